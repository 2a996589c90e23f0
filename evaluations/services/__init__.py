"""Writes of the yearly evaluation. Every function is keyword-only, runs in one transaction, raises
``ApplicationError`` with a Chinese message naming the field and the fix (changing nothing), and
records what it did with ``core.audit.log_action``.

Views decide *who* may call a service (``core.permissions.restrict`` → 404); services decide *whether*
the action fits the cycle's and the filing's state.

The package is split by workflow; every name is re-exported here, so callers import from
``evaluations.services``.
"""

# Names the old single module offered to its callers.
from .. import draw as draw_algorithm  # noqa: F401,E402
from .. import scoring  # noqa: F401,E402
from ..default_rubric import DEFAULT_RUBRIC  # noqa: F401,E402
from ..models.filing import FIGURE_NAMES, FILING_FIGURES  # noqa: F401,E402
from ._common import (  # noqa: F401
    OPEN_KIND,
    RESULTS_KIND,
    STATE_LABELS,
    _locked_cycle,
    _parse_score,
    _require_cycle_state,
    _today,
    days_left,
)
from .batch import (  # noqa: F401
    BatchRefused,
    filings_accept_batch,
    filings_remind,
    filings_review_batch,
    unsubmitted_for_reminder,
)
from .cycles import (  # noqa: F401
    CYCLE_FIELDS,
    _rubric_load_default,
    _validate_cycle,
    _validate_formula,
    centers_in_scope,
    cycle_advance,
    cycle_close_filing,
    cycle_create,
    cycle_open,
    cycle_open_work,
    cycle_update,
    default_deadlines,
    indicator_delete,
    indicator_save,
    rubric_copy,
    unsubmitted_filings,
)
from .filings import (  # noqa: F401
    NOT_APPLICABLE_INPUT,
    _check_row_versions,
    _ensure_editable,
    _locked_filing,
    _save_score_row,
    computed_scores,
    evidence_delete,
    evidence_upload,
    filing_figures,
    filing_is_closed,
    filing_missing_items,
    filing_save_figures,
    filing_submit,
    filing_tally,
    filing_upload_work_plan,
    parse_entry,
    self_scores_save,
    snapshot_rules,
    take_snapshot,
)
from .notifications import (  # noqa: F401
    _center_people,
    _notify,
    notification_mark_read,
)
from .rectification import (  # noqa: F401
    findings_for,
    rectification_close,
    rectification_review,
    rectification_submit,
    rectifications_sync,
)
from .reminders import (  # noqa: F401
    reminders_send,
)
from .results import (  # noqa: F401
    _queue_cycle_reports,
    compute_rows,
    cycle_publish,
    result_correction_request,
    results_request,
    results_work,
)
from .review_requests import (  # noqa: F401
    cycle_finalize,
    publicity_close_due,
    review_request_decide,
    review_request_file,
    working_days_after,
)
from .reviews import (  # noqa: F401
    COMMENT_MAX_LENGTH,
    clean_comment,
    filing_accept,
    filing_reopen,
    filing_return,
    filing_review,
)
from .spot_check import (  # noqa: F401
    AUDITOR_FILING_PERMS,
    _locked_assignment,
    assignment_set,
    assignment_submit,
    audit_score_correct,
    audit_scores_save,
    commitment_holds,
    draw_commit,
    draw_create,
    draw_population,
    draw_verify,
)
