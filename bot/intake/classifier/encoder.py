"""The sentence encoder now lives in bot.encoder (shared with compliance and the pipeline).

Kept so existing imports of bot.intake.classifier.encoder keep working.
"""

from bot.encoder.sentence import MAX_TOKENS, WEIGHTS_DIR, Encoder, base_model_dir, cap_threads

__all__ = ["MAX_TOKENS", "WEIGHTS_DIR", "Encoder", "base_model_dir", "cap_threads"]
