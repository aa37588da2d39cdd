"""GraphQL of the public dialogue: consultations, polls and proposals, and phone verification.

Citizens act with a voter token from `verifyPhone`; staff manage their agency's dialogue signed in.
People appear in no public type: comments, ballots and supports show counts, never authors.
"""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Generic, TypeVar

import strawberry

from suara.api.graphql.agencies import Agency, Category, load_agency, load_category
from suara.api.graphql.context import Info
from suara.api.graphql.errors import (
    NotAllowed,
    NotFound,
    RateLimited,
    ValidationError,
    error_result,
)
from suara.api.graphql.triage import PageInfo
from suara.common.errors import DomainError, FieldProblem, ValidationFailed
from suara.common.text import parse_row_id
from suara.db.columns import utcnow
from suara.dialogue import consultations, identity, polls, proposals
from suara.dialogue.common import Page as DomainPage
from suara.dialogue.errors import AlreadyVoted as DomainAlreadyVoted
from suara.dialogue.errors import DialogueRefusal
from suara.dialogue.errors import NotVerified as DomainNotVerified
from suara.dialogue.errors import RateLimited as DomainRateLimited
from suara.dialogue.errors import VotingClosed as DomainVotingClosed
from suara.dialogue.models import Comment as CommentRow
from suara.dialogue.models import ComplaintEvidence as EvidenceRow
from suara.dialogue.models import Consultation as ConsultationRow
from suara.dialogue.models import ConsultationStatus, ProposalStatus, Reaction
from suara.dialogue.models import Poll as PollRow
from suara.dialogue.models import Proposal as ProposalRow
from suara.submissions import codes
from suara.submissions.public_text import mask_public_text

T = TypeVar("T")

ConsultationStatusEnum = strawberry.enum(ConsultationStatus, name="ConsultationStatus")
ProposalStatusEnum = strawberry.enum(ProposalStatus, name="ProposalStatus")
ReactionEnum = strawberry.enum(Reaction, name="Reaction")


# --- errors -------------------------------------------------------------------------------------

@strawberry.interface(description="A refusal of the dialogue, with messages in Indonesian and English.")
class DialogueError:
    code: str
    message: str
    message_en: str


@strawberry.type(description="Voting, commenting or supporting is not open; nothing was written.")
class VotingClosed(DialogueError):
    pass


@strawberry.type(description="You already did exactly this; nothing was written.")
class AlreadyVoted(DialogueError):
    pass


@strawberry.type(description="A verified phone (a valid voter token) is needed, or the code was wrong.")
class NotVerified(DialogueError):
    pass


def dialogue_error(error: DomainError):
    if isinstance(error, DialogueRefusal):
        kind = {DomainVotingClosed: VotingClosed, DomainAlreadyVoted: AlreadyVoted,
                DomainNotVerified: NotVerified}.get(type(error))
        if isinstance(error, DomainRateLimited):
            return RateLimited(code=error.code, message=error.message_id, message_en=error.message_en,
                               retry_after_seconds=error.retry_after_seconds)
        return kind(code=error.code, message=error.message_id, message_en=error.message_en)
    return error_result(error)


# --- ids and connections ------------------------------------------------------------------------

def encode_cursor(row_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{row_id}".encode()).decode()


def decode_cursor(cursor: str | None) -> int | None:
    if not cursor:
        return None
    try:
        decoded = base64.urlsafe_b64decode(cursor.encode()).decode()
    except (ValueError, UnicodeDecodeError):
        decoded = ""
    row_id = parse_row_id(decoded[3:]) if decoded.startswith("id:") else None
    if row_id is None:
        raise ValidationFailed([FieldProblem("after", "invalid_cursor", "Kursor tidak valid.", "Invalid cursor.")])
    return row_id


def parse_id(value: strawberry.ID | str, what: str) -> int:
    row_id = parse_row_id(str(value))
    if row_id is None:
        raise ValidationFailed([FieldProblem(f"{what}Id", "invalid_id", "ID tidak valid.", "Invalid id.")])
    return row_id


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo
    total_count: int


def connection(page: DomainPage, wrap: Callable) -> Connection:
    """A domain page as a Relay connection; ``wrap`` turns rows into GraphQL nodes."""
    edges = [Edge(cursor=encode_cursor(row.id), node=wrap(row)) for row in page.rows]
    return Connection(edges=edges, total_count=page.total,
                      page_info=PageInfo(has_next_page=page.has_next, end_cursor=edges[-1].cursor if edges else None))


# --- consultations ------------------------------------------------------------------------------

def _id(value: int | None) -> strawberry.ID | None:
    return strawberry.ID(str(value)) if value is not None else None


@strawberry.type
class Section:
    id: strawberry.ID
    position: int
    heading: str
    body: str


@strawberry.type(description="A citizen's comment. Hidden comments keep their place and show why.")
class Comment:
    id: strawberry.ID
    section_id: strawberry.ID | None
    text: str | None = strawberry.field(description="Null when hidden by a moderator.")
    hidden: bool
    hidden_reason: str | None = strawberry.field(description="The moderator's public reason for hiding it.")
    hidden_at: datetime | None
    agree_count: int
    disagree_count: int
    created_at: datetime

    @classmethod
    def from_row(cls, row: CommentRow) -> Comment:
        return cls(id=_id(row.id), section_id=_id(row.section_id), text=None if row.hidden_at else mask_public_text(row.body),
                   hidden=row.hidden_at is not None, hidden_reason=row.hidden_reason, hidden_at=row.hidden_at,
                   agree_count=row.agree_count, disagree_count=row.disagree_count, created_at=row.created_at)


@strawberry.type(description="Public complaints attached as evidence, counted when attached "
                 "(confidential ones are never counted).")
class ComplaintEvidence:
    label: str
    submission_count: int
    region_code: str | None
    tracking_code_count: int
    counted_at: datetime
    category_slug: strawberry.Private[str | None]

    @classmethod
    def from_row(cls, row: EvidenceRow) -> ComplaintEvidence:
        return cls(label=row.label, submission_count=row.submission_count, region_code=row.region_code,
                   tracking_code_count=len(row.tracking_codes or []), counted_at=row.created_at,
                   category_slug=row.category_slug)

    @strawberry.field
    async def category(self, info: Info) -> Category | None:
        return await load_category(info, self.category_slug)


@strawberry.type(description="The agency's public answer after closing: what it changed and why.")
class ResponseReport:
    text: str
    published_at: datetime


@strawberry.type
class Consultation:
    id: strawberry.ID
    title: str
    summary: str
    status: ConsultationStatusEnum
    opens_at: datetime
    closes_at: datetime
    published_at: datetime | None
    accepting_comments: bool
    response_report: ResponseReport | None
    row_id: strawberry.Private[int]
    agency_id: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: ConsultationRow) -> Consultation:
        now = utcnow()
        report = ResponseReport(text=row.response_report, published_at=row.responded_at) \
            if row.response_report and row.responded_at else None
        return cls(id=_id(row.id), title=row.title, summary=row.summary,
                   status=consultations.effective_status(row, now), opens_at=row.opens_at, closes_at=row.closes_at,
                   published_at=row.published_at, accepting_comments=consultations.accepts_comments(row, now),
                   response_report=report, row_id=row.id, agency_id=row.agency_id)

    @strawberry.field
    async def agency(self, info: Info) -> Agency | None:
        return await load_agency(info, self.agency_id)

    @strawberry.field
    async def sections(self, info: Info) -> list[Section]:
        rows = await info.context.dialogue.sections.load(self.row_id)
        return [Section(id=_id(r.id), position=r.position, heading=r.heading, body=r.body) for r in rows]

    @strawberry.field
    async def evidence(self, info: Info) -> list[ComplaintEvidence]:
        return [ComplaintEvidence.from_row(r) for r in await info.context.dialogue.evidence.load(self.row_id)]

    @strawberry.field(description="Newest first; filter by section.")
    async def comments(self, info: Info, section_id: strawberry.ID | None = None, first: int = 50,
                       after: str | None = None) -> Connection[Comment]:
        request = consultations.CommentPageRequest(
            self.row_id, parse_id(section_id, "section") if section_id is not None else None, first,
            decode_cursor(after))
        return connection(await info.context.dialogue.comment_pages.load(request), Comment.from_row)

    @strawberry.field
    async def polls(self, info: Info) -> list[Poll]:
        return [Poll.from_row(r) for r in await info.context.dialogue.consultation_polls.load(self.row_id)]


# --- polls --------------------------------------------------------------------------------------

@strawberry.type
class PollOption:
    id: strawberry.ID
    position: int
    label: str


@strawberry.type
class OptionResult:
    option: PollOption
    votes: int
    share: float = strawberry.field(description="Share of voters who chose it (0 to 1).")


@strawberry.type
class PollResults:
    options: list[OptionResult]
    voters: int
    final: bool = strawberry.field(description="True once the poll has closed.")


@strawberry.type
class Poll:
    id: strawberry.ID
    question: str
    multiple_choice: bool
    results_live: bool = strawberry.field(description="Results are shown while voting runs (else only after closing).")
    opens_at: datetime
    closes_at: datetime
    is_open: bool
    row: strawberry.Private[PollRow]

    @classmethod
    def from_row(cls, row: PollRow) -> Poll:
        return cls(id=_id(row.id), question=row.question, multiple_choice=row.multiple_choice,
                   results_live=row.results_live, opens_at=row.opens_at, closes_at=row.closes_at,
                   is_open=polls.voting_open(row, utcnow()), row=row)

    @strawberry.field
    async def agency(self, info: Info) -> Agency | None:
        return await load_agency(info, self.row.agency_id)

    @strawberry.field
    async def options(self, info: Info) -> list[PollOption]:
        details = await info.context.dialogue.polls.load(self.row.id)
        return [PollOption(id=_id(o.id), position=o.position, label=o.label) for o in details.options]

    @strawberry.field(description="Null while results are hidden until closing.")
    async def results(self, info: Info) -> PollResults | None:
        now = utcnow()
        if not polls.results_visible(self.row, now, await info.context.actor()):
            return None
        details = await info.context.dialogue.polls.load(self.row.id)
        tally = polls.tally_results(self.row, details.options, details.tally, now)
        return PollResults(
            voters=tally.voters, final=tally.final,
            options=[OptionResult(
                option=PollOption(id=_id(o.option.id), position=o.option.position, label=o.option.label),
                votes=o.votes, share=round(o.votes / tally.voters, 4) if tally.voters else 0.0,
            ) for o in tally.options],
        )


# --- proposals ----------------------------------------------------------------------------------

async def _support_count(root: Proposal, info: Info) -> int:
    if root.supports is not None:
        return root.supports
    return await info.context.dialogue.support_counts.load(root.row.id)


@strawberry.type
class Proposal:
    id: strawberry.ID
    title: str
    text: str
    status: ProposalStatusEnum
    support_count: int = strawberry.field(resolver=_support_count)
    support_threshold: int
    deadline: datetime
    created_at: datetime
    row: strawberry.Private[ProposalRow]
    supports: strawberry.Private[int | None] = None
    """Known without a query for a new proposal (none yet), else loaded with the page."""

    @classmethod
    def from_row(cls, row: ProposalRow, supports: int | None = None) -> Proposal:
        return cls(id=_id(row.id), title=mask_public_text(row.title), text=mask_public_text(row.body),
                   status=proposals.effective_status(row, utcnow()), support_threshold=row.support_threshold,
                   deadline=row.deadline, created_at=row.created_at, row=row, supports=supports)


    @strawberry.field
    async def agency(self, info: Info) -> Agency | None:
        return await load_agency(info, self.row.agency_id)

    @strawberry.field
    async def category(self, info: Info) -> Category | None:
        return await load_category(info, self.row.category_slug)

    @strawberry.field(description="The inbox item it became at its threshold: track it like a complaint.")
    async def tracking_code(self, info: Info) -> str | None:
        if self.row.submission_id is None:
            return None
        code = await info.context.dialogue.tracking_codes.load(self.row.submission_id)
        return codes.format_tracking_code(code) if code else None


# --- results of mutations -----------------------------------------------------------------------

@strawberry.type
class VerificationCodeSent:
    expires_at: datetime


@strawberry.type(description="Keep the token: voting, supporting and commenting take it.")
class PhoneVerified:
    voter_token: str
    expires_at: datetime


@strawberry.type(description="Status messages about this submission may now go to its phone by SMS.")
class ReporterPhoneVerified:
    tracking_code: str


@strawberry.type
class VoteRecorded:
    poll: Poll
    option_ids: list[strawberry.ID]
    changed: bool = strawberry.field(description="True when this replaced your earlier ballot.")


Refusal = VotingClosed | AlreadyVoted | NotVerified | NotAllowed | NotFound | ValidationError
CodeResult = Annotated[VerificationCodeSent | RateLimited | ValidationError, strawberry.union("VerificationCodeResult")]
VerifyResult = Annotated[PhoneVerified | NotVerified | ValidationError, strawberry.union("VerifyPhoneResult")]
ReporterCodeResult = Annotated[VerificationCodeSent | RateLimited | NotAllowed | NotFound | ValidationError,
                               strawberry.union("ReporterPhoneCodeResult")]
ReporterVerifyResult = Annotated[ReporterPhoneVerified | NotVerified | NotAllowed | NotFound | ValidationError,
                                 strawberry.union("VerifyReporterPhoneResult")]
VoteResult = Annotated[VoteRecorded | Refusal, strawberry.union("VoteResult")]
CommentResult = Annotated[Comment | Refusal, strawberry.union("CommentResult")]
ProposalResult = Annotated[Proposal | Refusal, strawberry.union("ProposalResult")]
ConsultationResult = Annotated[Consultation | NotAllowed | NotFound | ValidationError,
                               strawberry.union("ConsultationResult")]
EvidenceResult = Annotated[ComplaintEvidence | NotAllowed | NotFound | ValidationError,
                           strawberry.union("EvidenceResult")]
PollResult = Annotated[Poll | NotAllowed | NotFound | ValidationError, strawberry.union("PollResult")]


@strawberry.input
class SectionInput:
    heading: str
    body: str


@strawberry.input
class ConsultationInput:
    title: str
    summary: str
    opens_at: datetime
    closes_at: datetime
    sections: list[SectionInput] = strawberry.field(default_factory=list)


@strawberry.input
class PollInput:
    question: str
    options: list[str]
    opens_at: datetime
    closes_at: datetime
    multiple_choice: bool = False
    results_live: bool = True
    consultation_id: strawberry.ID | None = None


@strawberry.input(description="Complaints of a category and/or region, or a list of tracking codes.")
class EvidenceInput:
    consultation_id: strawberry.ID
    label: str
    category: str | None = None
    region_code: str | None = None
    tracking_codes: list[str] | None = None


@strawberry.input
class ProposalInput:
    title: str
    text: str
    category: str | None = strawberry.field(default=None, description="Left empty, the routing model picks it.")


async def attempt(info: Info, action: Callable[..., Awaitable], *, staff: bool = False):
    """Run ``action(session, actor)`` in one transaction; a refusal becomes its GraphQL type and
    rolls everything back."""
    try:
        actor = await info.context.staff(mutation=True) if staff else await info.context.actor()
        async with info.context.state.transaction() as session:
            return await action(session, actor)
    except DomainError as error:
        return dialogue_error(error)


def _voter(info: Info, token: str) -> str:
    return identity.voter_from_token(info.context.state.secret_key, token)


def _client_ip(info: Info) -> str | None:
    request = info.context.request
    return request.client.host if request is not None and request.client else None


# --- root fields --------------------------------------------------------------------------------

@strawberry.type
class DialogueQuery:
    @strawberry.field(description="Published consultations, newest first.")
    async def consultations(self, info: Info, status: ConsultationStatusEnum | None = None,
                            agency: str | None = None, first: int = 20, after: str | None = None
                            ) -> Connection[Consultation]:
        agency_id = await _agency_id(info, agency) if agency else None
        before_id = decode_cursor(after)
        async with info.context.state.public_reading() as session:
            page = await consultations.list_published(
                session, status=ConsultationStatus(status) if status is not None else None, agency_id=agency_id,
                first=first, before_id=before_id)
        return connection(page, Consultation.from_row)

    @strawberry.field(description="A published consultation (a draft only for its agency's staff).")
    async def consultation(self, info: Info, id: strawberry.ID) -> Consultation | None:
        try:
            consultation_id, actor = parse_id(id, "consultation"), await info.context.actor()
            async with info.context.state.reading() as session:
                row = await consultations.visible_consultation(session, consultation_id, actor)
        except DomainError:
            return None
        return Consultation.from_row(row)

    @strawberry.field
    async def polls(self, info: Info, open: bool | None = None, first: int = 20, after: str | None = None
                    ) -> Connection[Poll]:
        before_id = decode_cursor(after)
        async with info.context.state.public_reading() as session:
            page = await polls.list_polls(session, open=open, first=first, before_id=before_id)
        return connection(page, Poll.from_row)

    @strawberry.field
    async def poll(self, info: Info, id: strawberry.ID) -> Poll | None:
        poll_id = parse_id(id, "poll")
        async with info.context.state.reading() as session:
            row = await polls.get_poll(session, poll_id)
        return Poll.from_row(row) if row else None

    @strawberry.field
    async def proposals(self, info: Info, status: ProposalStatusEnum | None = None, first: int = 20,
                        after: str | None = None) -> Connection[Proposal]:
        before_id = decode_cursor(after)
        async with info.context.state.public_reading() as session:
            page = await proposals.list_proposals(
                session, status=ProposalStatus(status) if status is not None else None, first=first,
                before_id=before_id)
        return connection(page, Proposal.from_row)

    @strawberry.field
    async def proposal(self, info: Info, id: strawberry.ID) -> Proposal | None:
        proposal_id = parse_id(id, "proposal")
        async with info.context.state.reading() as session:
            row = await proposals.get_proposal(session, proposal_id)
        return Proposal.from_row(row) if row else None


async def _agency_id(info: Info, slug: str) -> int:
    directory = await info.context.state.directory()
    found = next((a.id for a in directory.agencies.values() if a.slug == slug), None)
    return found if found is not None else -1


@strawberry.type
class DialogueMutation:
    @strawberry.mutation(description="Send a one-time code by SMS to verify a phone for voting.")
    async def request_verification_code(self, info: Info, phone: str, language: str = "id") -> CodeResult:
        key = info.context.state.secret_key

        async def action(session, actor):
            expires_at = await identity.request_code(session, key, phone, ip=_client_ip(info), lang=language)
            return VerificationCodeSent(expires_at=expires_at)
        return await attempt(info, action)

    @strawberry.mutation(description="Exchange the code for a voter token.")
    async def verify_phone(self, info: Info, phone: str, code: str) -> VerifyResult:
        key = info.context.state.secret_key

        async def action(session, actor):
            verified = await identity.verify_phone(session, key, phone, code)
            if isinstance(verified, DomainNotVerified):
                return dialogue_error(verified)  # committed: the spent attempt must count
            return PhoneVerified(voter_token=verified.token, expires_at=verified.expires_at)
        return await attempt(info, action)

    @strawberry.mutation(description="Send a code to the phone on your submission (code + secret from the "
                         "receipt), to confirm it and get status news by SMS.")
    async def request_reporter_phone_code(self, info: Info, tracking_code: str, secret: str,
                                          language: str = "id") -> ReporterCodeResult:
        key = info.context.state.secret_key

        async def action(session, actor):
            expires_at = await identity.request_reporter_phone_code(
                session, key, tracking_code, secret, ip=_client_ip(info), lang=language)
            return VerificationCodeSent(expires_at=expires_at)
        return await attempt(info, action)

    @strawberry.mutation(description="Confirm the phone on your submission with the code sent to it (or a voter "
                         "token of that phone); until then no status SMS goes to it.")
    async def verify_reporter_phone(self, info: Info, tracking_code: str, secret: str, code: str | None = None,
                                    voter_token: str | None = None) -> ReporterVerifyResult:
        key = info.context.state.secret_key

        async def action(session, actor):
            verified = await identity.verify_reporter_phone(
                session, key, tracking_code, secret, code=code, voter_token_value=voter_token)
            if isinstance(verified, DomainNotVerified):
                return dialogue_error(verified)  # committed: the spent attempt must count
            return ReporterPhoneVerified(
                tracking_code=codes.format_tracking_code(codes.normalise_tracking_code(tracking_code)))
        return await attempt(info, action)

    @strawberry.mutation(description="Vote in a poll; voting again with other options changes your vote.")
    async def vote(self, info: Info, voter_token: str, poll_id: strawberry.ID,
                   option_ids: list[strawberry.ID]) -> VoteResult:
        async def action(session, actor):
            voter = _voter(info, voter_token)
            chosen = [parse_id(option, "option") for option in option_ids]
            outcome = await polls.cast_vote(session, parse_id(poll_id, "poll"), chosen, voter, actor=actor)
            return VoteRecorded(poll=Poll.from_row(outcome.poll), changed=outcome.changed,
                                option_ids=[strawberry.ID(str(o)) for o in outcome.option_ids])
        return await attempt(info, action)

    @strawberry.mutation(description="Comment on a consultation or one of its sections.")
    async def comment(self, info: Info, voter_token: str, consultation_id: strawberry.ID, text: str,
                      section_id: strawberry.ID | None = None) -> CommentResult:
        async def action(session, actor):
            row = await consultations.comment(
                session, parse_id(consultation_id, "consultation"), _voter(info, voter_token), text,
                section_id=parse_id(section_id, "section") if section_id is not None else None, actor=actor)
            return Comment.from_row(row)
        return await attempt(info, action)

    @strawberry.mutation(description="Agree or disagree with a comment (changeable).")
    async def react_to_comment(self, info: Info, voter_token: str, comment_id: strawberry.ID,
                               reaction: ReactionEnum) -> CommentResult:
        async def action(session, actor):
            row = await consultations.react(session, parse_id(comment_id, "comment"), _voter(info, voter_token),
                                            Reaction(reaction), actor=actor)
            return Comment.from_row(row)
        return await attempt(info, action)

    @strawberry.mutation(description="Propose something to government; at its support threshold it "
                                     "goes to the responsible agency's inbox.")
    async def propose(self, info: Info, voter_token: str, input: ProposalInput) -> ProposalResult:
        state = info.context.state

        async def action(session, actor):
            row = await proposals.propose(
                session, _voter(info, voter_token), title=input.title, text=input.text, category_slug=input.category,
                router=state.router, threshold=state.settings.suara_proposal_threshold)
            return Proposal.from_row(row, supports=0)
        return await attempt(info, action)

    @strawberry.mutation(description="Support a citizen proposal (once per verified person).")
    async def support_proposal(self, info: Info, voter_token: str, proposal_id: strawberry.ID) -> ProposalResult:
        key = info.context.state.secret_key

        async def action(session, actor):
            return await proposals.support(session, parse_id(proposal_id, "proposal"), _voter(info, voter_token),
                                           secret_key=key, actor=actor)
        row = await attempt(info, action)
        if not isinstance(row, ProposalRow):
            return row
        if row.submission_id is None:  # concurrent supports may have crossed the threshold unseen
            async with info.context.state.transaction() as session:
                row = await proposals.settle(session, row.id, secret_key=key) or row
        return Proposal.from_row(row)

    # staff

    @strawberry.mutation(description="Staff: a consultation draft of your agency.")
    async def create_consultation(self, info: Info, input: ConsultationInput) -> ConsultationResult:
        async def action(session, actor):
            return Consultation.from_row(await consultations.create_consultation(
                session, actor, title=input.title, summary=input.summary, opens_at=input.opens_at,
                closes_at=input.closes_at, sections=[(s.heading, s.body) for s in input.sections]))
        return await attempt(info, action, staff=True)

    @strawberry.mutation(description="Staff: open a draft to the public.")
    async def publish_consultation(self, info: Info, id: strawberry.ID) -> ConsultationResult:
        async def action(session, actor):
            return Consultation.from_row(await consultations.publish_consultation(session, actor, parse_id(id, "consultation")))
        return await attempt(info, action, staff=True)

    @strawberry.mutation(description="Staff: close a consultation before its closing date.")
    async def close_consultation(self, info: Info, id: strawberry.ID) -> ConsultationResult:
        async def action(session, actor):
            return Consultation.from_row(await consultations.close_consultation(session, actor, parse_id(id, "consultation")))
        return await attempt(info, action, staff=True)

    @strawberry.mutation(description="Staff: publish the response report of a closed consultation.")
    async def publish_response(self, info: Info, id: strawberry.ID, report: str) -> ConsultationResult:
        async def action(session, actor):
            return Consultation.from_row(await consultations.publish_response(
                session, actor, parse_id(id, "consultation"), report))
        return await attempt(info, action, staff=True)

    @strawberry.mutation(description="Staff: hide a comment with a public reason (it is never deleted).")
    async def hide_comment(self, info: Info, id: strawberry.ID, reason: str) -> CommentResult:
        async def action(session, actor):
            return Comment.from_row(await consultations.hide_comment(session, actor, parse_id(id, "comment"), reason))
        return await attempt(info, action, staff=True)

    @strawberry.mutation(description="Staff: attach complaints to a consultation as evidence.")
    async def attach_complaints(self, info: Info, input: EvidenceInput) -> EvidenceResult:
        async def action(session, actor):
            return ComplaintEvidence.from_row(await consultations.attach_complaints(
                session, actor, parse_id(input.consultation_id, "consultation"), label=input.label,
                category_slug=input.category, region_code=input.region_code, tracking_codes=input.tracking_codes))
        return await attempt(info, action, staff=True)

    @strawberry.mutation(description="Staff: a poll of your agency (optionally part of a consultation).")
    async def create_poll(self, info: Info, input: PollInput) -> PollResult:
        async def action(session, actor):
            consultation_id = parse_id(input.consultation_id, "consultation") \
                if input.consultation_id is not None else None
            return Poll.from_row(await polls.create_poll(
                session, actor, question=input.question, options=input.options, opens_at=input.opens_at,
                closes_at=input.closes_at, multiple_choice=input.multiple_choice, results_live=input.results_live,
                consultation_id=consultation_id))
        return await attempt(info, action, staff=True)
