"""The intake classifier: a local MiniLM encoder, a calibrated softmax head, and the rules for when
to ask a person. The names below are the whole interface the bot uses."""

from bot.intake.classifier.evaluation import EvalReport, evaluate
from bot.intake.classifier.lifecycle import (
    PromotionResult,
    ensure_default_model,
    retrain_and_maybe_promote,
    train_from_policy,
)
from bot.intake.classifier.model import Classification, IntakeModel
from bot.intake.classifier.sources import read_examples
from bot.intake.classifier.training import train_examples
from policies.intake_schema import OUT_OF_SCOPE

__all__ = [
    "OUT_OF_SCOPE",
    "Classification",
    "EvalReport",
    "IntakeModel",
    "PromotionResult",
    "ensure_default_model",
    "evaluate",
    "read_examples",
    "retrain_and_maybe_promote",
    "train_examples",
    "train_from_policy",
]
