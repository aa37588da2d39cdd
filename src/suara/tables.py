"""Imports every table module so SQLModel.metadata knows the whole schema (for Alembic and tests)."""

from suara.agencies.models import Agency, Category  # noqa: F401
from suara.agencies.public_services import PublicService  # noqa: F401
from suara.channels.open311.models import Open311Key  # noqa: F401
from suara.dialogue.models import (  # noqa: F401
    Ballot,
    Comment,
    CommentReaction,
    ComplaintEvidence,
    Consultation,
    ConsultationSection,
    PhoneVerification,
    Poll,
    PollOption,
    Proposal,
    ProposalSupport,
)
from suara.live_precision.models import RoutingOutcome  # noqa: F401
from suara.maps.models import MapTile  # noqa: F401
from suara.media.models import SubmissionPhoto  # noqa: F401
from suara.privacy.models import Erasure  # noqa: F401
from suara.ratelimits.models import RateLimitHit  # noqa: F401
from suara.routing.raised_thresholds import ThresholdRaise  # noqa: F401
from suara.submissions.counter_models import AgencyDailyCount  # noqa: F401
from suara.submissions.models import (  # noqa: F401
    MapCell,
    ReporterContact,
    Submission,
    SubmissionEvent,
    SubmissionSupport,
)
from suara.submissions.outbox_models import OutboxMessage  # noqa: F401
from suara.submissions.routing_labels import RoutingLabel  # noqa: F401
from suara.submissions.sms_models import SmsInbound, SmsOptOut, SmsPart, SmsThread  # noqa: F401
from suara.triage.models import (  # noqa: F401
    AnswerTemplate,
    ApiToken,
    ServiceLevelChange,
    Staff,
    StaffAuditEntry,
    StaffDigestRun,
    StaffSession,
)
