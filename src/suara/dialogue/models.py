"""Tables of the public dialogue: consultations, polls and proposals.

People who vote, support or comment appear here only as ``voter_hash`` — an HMAC of their verified
phone number under a server key — so no table of the dialogue can be joined back to a phone.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Field, SQLModel

from suara.db.columns import created_at_column, timestamp_column, utcnow

HASH_LENGTH = 64


class ConsultationStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    ANSWERED = "answered"


class Reaction(StrEnum):
    AGREE = "agree"
    DISAGREE = "disagree"


class ProposalStatus(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    """It reached its support threshold and is now an item in the agency's inbox."""
    EXPIRED = "expired"


class Consultation(SQLModel, table=True):
    __tablename__ = "consultations"

    id: int | None = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agencies.id", index=True)
    title: str = Field(max_length=200)
    summary: str
    status: str = Field(default=ConsultationStatus.DRAFT)
    opens_at: datetime = Field(sa_column=timestamp_column(nullable=False))
    closes_at: datetime = Field(sa_column=timestamp_column(nullable=False))
    published_at: datetime | None = Field(default=None, sa_column=timestamp_column())
    closed_at: datetime | None = Field(default=None, sa_column=timestamp_column())
    response_report: str | None = None
    """What the agency changed and why, published after closing."""
    responded_at: datetime | None = Field(default=None, sa_column=timestamp_column())
    created_by: str
    created_at: datetime = Field(default_factory=utcnow, sa_column=created_at_column())


class ConsultationSection(SQLModel, table=True):
    __tablename__ = "consultation_sections"

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(foreign_key="consultations.id", index=True)
    position: int
    heading: str = Field(max_length=200)
    body: str


class Comment(SQLModel, table=True):
    """A citizen's comment on a consultation or one of its sections. Hidden, never deleted."""

    __tablename__ = "consultation_comments"
    __table_args__ = (Index("ix_consultation_comments_consultation", "consultation_id", "id"),)

    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True))
    consultation_id: int = Field(foreign_key="consultations.id")
    section_id: int | None = Field(default=None, foreign_key="consultation_sections.id")
    author_hash: str = Field(max_length=HASH_LENGTH)
    body: str
    """With personal data masked, like every public text."""
    agree_count: int = Field(default=0, sa_column_kwargs={"server_default": text("0")})
    disagree_count: int = Field(default=0, sa_column_kwargs={"server_default": text("0")})
    hidden_at: datetime | None = Field(default=None, sa_column=timestamp_column())
    hidden_reason: str | None = None
    hidden_by: str | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_column=created_at_column())


class CommentReaction(SQLModel, table=True):
    __tablename__ = "comment_reactions"
    __table_args__ = (PrimaryKeyConstraint("comment_id", "voter_hash"),)

    comment_id: int = Field(sa_column=Column(BigInteger, ForeignKey("consultation_comments.id"), nullable=False))
    voter_hash: str = Field(max_length=HASH_LENGTH)
    reaction: str


class ComplaintEvidence(SQLModel, table=True):
    """Complaints attached to a consultation as evidence, counted when attached."""

    __tablename__ = "consultation_evidence"

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(foreign_key="consultations.id", index=True)
    label: str = Field(max_length=200)
    category_slug: str | None = Field(default=None, foreign_key="categories.slug")
    region_code: str | None = Field(default=None, max_length=13)
    tracking_codes: list[str] | None = Field(default=None, sa_column=Column(ARRAY(String)))
    submission_count: int
    attached_by: str
    created_at: datetime = Field(default_factory=utcnow, sa_column=created_at_column())


class Poll(SQLModel, table=True):
    __tablename__ = "polls"

    id: int | None = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agencies.id", index=True)
    consultation_id: int | None = Field(default=None, foreign_key="consultations.id", index=True)
    question: str = Field(max_length=500)
    multiple_choice: bool = False
    results_live: bool = True
    """Results are public while voting runs; otherwise only after closing."""
    opens_at: datetime = Field(sa_column=timestamp_column(nullable=False))
    closes_at: datetime = Field(sa_column=timestamp_column(nullable=False))
    created_by: str
    created_at: datetime = Field(default_factory=utcnow, sa_column=created_at_column())


class PollOption(SQLModel, table=True):
    __tablename__ = "poll_options"

    id: int | None = Field(default=None, primary_key=True)
    poll_id: int = Field(foreign_key="polls.id", index=True)
    position: int
    label: str = Field(max_length=200)


TALLY_SLOTS = 64
"""Tally rows per counted thing: a transaction adds to the slot of its database connection, so
concurrent voters rarely wait on one another; a read sums at most ``TALLY_SLOTS`` rows per count."""

VOTERS = 0
"""The ``option_id`` under which a poll's tally counts voters (ballots) rather than an option."""


class PollTally(SQLModel, table=True):
    """Votes per option (and voters under option 0), spread over slots and summed when read.

    Kept in the transaction of every ballot, so a tally is exact and its read does not grow with the
    number of ballots; ``recount`` audits it against the ballots themselves."""

    __tablename__ = "poll_tallies"
    __table_args__ = (PrimaryKeyConstraint("poll_id", "option_id", "slot"),)

    poll_id: int = Field(sa_column=Column(Integer, ForeignKey("polls.id"), nullable=False))
    option_id: int
    slot: int = Field(sa_column=Column(SmallInteger, nullable=False))
    votes: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, server_default=text("0")))


class Ballot(SQLModel, table=True):
    """One row per voter and poll: the lock a voter's ballots queue on, and the one-vote rule."""

    __tablename__ = "poll_ballots"
    __table_args__ = (PrimaryKeyConstraint("poll_id", "voter_hash"),)

    poll_id: int = Field(sa_column=Column(Integer, ForeignKey("polls.id"), nullable=False))
    voter_hash: str = Field(max_length=HASH_LENGTH)
    option_ids: list[int] = Field(sa_column=Column(ARRAY(Integer), nullable=False))
    changes: int = Field(default=0, sa_column_kwargs={"server_default": text("0")})
    cast_at: datetime = Field(default_factory=utcnow, sa_column=created_at_column())


class Proposal(SQLModel, table=True):
    __tablename__ = "proposals"
    __table_args__ = (Index("ix_proposals_status_deadline", "status", "deadline"),)

    id: int | None = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agencies.id", index=True)
    category_slug: str | None = Field(default=None, foreign_key="categories.slug")
    title: str = Field(max_length=200)
    body: str
    """With personal data masked."""
    author_hash: str = Field(max_length=HASH_LENGTH)
    support_threshold: int
    deadline: datetime = Field(sa_column=timestamp_column(nullable=False))
    status: str = Field(default=ProposalStatus.OPEN)
    submission_id: int | None = Field(default=None, sa_column=Column(BigInteger, ForeignKey("submissions.id")))
    """The inbox item it became when it reached its threshold."""
    created_at: datetime = Field(default_factory=utcnow, sa_column=created_at_column())


class ProposalSupport(SQLModel, table=True):
    __tablename__ = "proposal_supports"
    __table_args__ = (PrimaryKeyConstraint("proposal_id", "voter_hash"),)

    proposal_id: int = Field(sa_column=Column(Integer, ForeignKey("proposals.id"), nullable=False))
    voter_hash: str = Field(max_length=HASH_LENGTH)
    created_at: datetime = Field(default_factory=utcnow, sa_column=created_at_column())


class ProposalTally(SQLModel, table=True):
    """Supports of a proposal spread over slots, like poll tallies: supporters never queue on one row."""

    __tablename__ = "proposal_tallies"
    __table_args__ = (PrimaryKeyConstraint("proposal_id", "slot"),)

    proposal_id: int = Field(sa_column=Column(Integer, ForeignKey("proposals.id"), nullable=False))
    slot: int = Field(sa_column=Column(SmallInteger, nullable=False))
    supports: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, server_default=text("0")))


class PhoneVerification(SQLModel, table=True):
    """A one-time code sent to a phone. Phone, IP and code are stored only as keyed hashes."""

    __tablename__ = "phone_verifications"
    __table_args__ = (
        Index("ix_phone_verifications_phone", "phone_hash", "created_at"),
        Index("ix_phone_verifications_ip", "ip_hash", "created_at"),
    )

    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True))
    phone_hash: str = Field(max_length=HASH_LENGTH)
    ip_hash: str | None = Field(default=None, max_length=HASH_LENGTH)
    code_hash: str = Field(max_length=HASH_LENGTH)
    expires_at: datetime = Field(sa_column=timestamp_column(nullable=False))
    attempts: int = Field(default=0, sa_column_kwargs={"server_default": text("0")})
    used_at: datetime | None = Field(default=None, sa_column=timestamp_column())
    created_at: datetime = Field(default_factory=utcnow, sa_column=created_at_column())
