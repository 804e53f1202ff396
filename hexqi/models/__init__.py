"""Typed SQLAlchemy 2.x models, one module per aggregate."""

from hexqi.models.common import Mode, Role, Tier, utcnow
from hexqi.models.ledger import (
    Account,
    AccountKind,
    HoursSummary,
    LedgerHead,
    PendingStatus,
    PendingTransfer,
    Transfer,
    TransferKind,
)
from hexqi.models.matches import Match, MatchingRound, MatchStatus, RoundStatus
from hexqi.models.org import Organisation, OrgKind, System
from hexqi.models.outbox import OutboxMessage
from hexqi.models.people import Person, PersonRole, Team, TeamMember, TierChange
from hexqi.models.requests import (
    Project,
    RequestEvent,
    RequestSkill,
    RequestSlot,
    RequestStatus,
    SupportRequest,
)
from hexqi.models.sessions import CoachingSession, SessionStatus, TrainingAttendance, TrainingEvent
from hexqi.models.skills import (
    CoachAbsence,
    CoachProfile,
    CoachSkill,
    CoachSlot,
    ProtectedTimeApproval,
    Skill,
)

__all__ = [
    "Account", "AccountKind", "CoachAbsence", "CoachProfile", "CoachSkill", "CoachSlot",
    "CoachingSession", "HoursSummary", "LedgerHead", "Match", "MatchStatus", "MatchingRound",
    "Mode",
    "OrgKind", "Organisation", "OutboxMessage", "PendingStatus", "PendingTransfer", "Person",
    "PersonRole", "Project", "ProtectedTimeApproval", "RequestEvent", "RequestSkill",
    "RequestSlot", "RequestStatus",
    "Role", "RoundStatus", "SessionStatus", "Skill", "SupportRequest", "System", "Team",
    "TeamMember", "Tier", "TierChange", "TrainingAttendance", "TrainingEvent", "Transfer",
    "TransferKind", "utcnow",
]
