from .cycle import Cycle, Indicator, RubricCategory
from .filing import FILING_FIGURES, Evidence, Filing, FilingReturn, SelfScore
from .notifications import Notification
from .results import Result, ResultSet
from .spot_check import Assignment, AuditScore, Draw, SeedCommitment

__all__ = [
    "FILING_FIGURES",
    "Assignment",
    "AuditScore",
    "Cycle",
    "Draw",
    "Evidence",
    "Filing",
    "FilingReturn",
    "Indicator",
    "Notification",
    "Result",
    "ResultSet",
    "RubricCategory",
    "SeedCommitment",
    "SelfScore",
]
