"""Question banks: the model, YAML loading and validation (first pipeline stage)."""

from surveytool.bank.loader import bank_paths, builtin_dir, builtin_ids, load_bank, resolve_bank
from surveytool.bank.model import Bank, Field, Item, Option, Question, Section

__all__ = [
    "Bank",
    "Field",
    "Item",
    "Option",
    "Question",
    "Section",
    "bank_paths",
    "builtin_dir",
    "builtin_ids",
    "load_bank",
    "resolve_bank",
]
