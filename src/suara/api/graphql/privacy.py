"""GraphQL of citizens' rights under UU PDP (download, correction, erasure of one's data) and of the
contact access log an agency's admins read. Resolvers only parse, count the attempt, call one domain
operation and map its errors."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.scalars import JSON

from suara.api.client_address import client_network
from suara.api.graphql.context import Info
from suara.api.graphql.dialogue import NotVerified, dialogue_error
from suara.api.graphql.errors import NotAllowed, RateLimited, ValidationError, error_result
from suara.api.graphql.triage import PageInfo, ReporterContact, node_id
from suara.common.actors import Actor
from suara.common.errors import DomainError
from suara.dialogue.errors import NotVerified as DomainNotVerified
from suara.privacy import access_log, correction, erasure, export, proofs
from suara.privacy.models import ErasureReason
from suara.submissions import codes


@strawberry.input(description="Proof that you filed the submission: its tracking code with the secret from the "
                  "receipt, or with a phone and the `phoneToken` from `verifyPhoneForMyData`.")
class CitizenProofInput:
    tracking_code: str
    secret: str | None = None
    phone: str | None = None
    phone_token: str | None = None

    def to_domain(self) -> proofs.CitizenProof:
        return proofs.CitizenProof(self.tracking_code, self.secret, self.phone, self.phone_token)


@strawberry.input(description="Your contact as it should be; a blank field is removed.")
class ContactInput:
    name: str | None = None
    phone: str | None = None
    email: str | None = None
    nik: str | None = None


@strawberry.type(description="Everything Suara holds about you in this submission; `data.not_included` says "
                 "what is left out and why.")
class PersonalDataExport:
    file_name: str
    data: JSON


@strawberry.type(description="Your contact as stored now. A changed phone gets status SMS once you confirm it.")
class ContactCorrected:
    contact: ReporterContact | None
    changed_fields: list[str] = strawberry.field(description="name, phone, email or nik; empty when nothing changed.")


@strawberry.type(description="Your personal data in this submission is deleted or masked for good.")
class PersonalDataErased:
    erased_at: datetime
    already_erased: bool = strawberry.field(description="True when it had been erased before.")


@strawberry.type(description="Use `phoneToken` with this phone in `CitizenProofInput` for the submissions listed.")
class PhoneDataAccess:
    phone_token: str
    expires_at: datetime
    tracking_codes: list[str] = strawberry.field(
        description="Submissions sent by SMS from this phone, or whose phone was confirmed with a code.")


@strawberry.type(description="A staff member of your agency read a reporter's contact.")
class ContactRead:
    id: strawberry.ID
    at: datetime
    staff_id: int
    staff_email: str
    tracking_code: str
    submission_id: strawberry.ID = strawberry.field(description="The item's id in the workspace.")


@strawberry.type
class ContactReadEdge:
    cursor: str
    node: ContactRead


@strawberry.type
class ContactReadConnection:
    edges: list[ContactReadEdge]
    page_info: PageInfo


ExportResult = Annotated[PersonalDataExport | NotAllowed | RateLimited, strawberry.union("ExportMyDataResult")]
CorrectResult = Annotated[ContactCorrected | NotAllowed | ValidationError | RateLimited,
                          strawberry.union("CorrectMyContactResult")]
EraseResult = Annotated[PersonalDataErased | NotAllowed | RateLimited, strawberry.union("EraseMyDataResult")]
PhoneAccessResult = Annotated[PhoneDataAccess | NotVerified | ValidationError | RateLimited,
                              strawberry.union("PhoneDataAccessResult")]


async def _count_attempt(info: Info) -> None:
    """Every attempt at a citizen's data counts against the address's limit (RateLimited past it)."""
    state = info.context.state
    await state.limits.hit(state.limits.citizen_rights, client_network(info.context.request))


async def _as_citizen(info: Info, proof: CitizenProofInput, operation):
    """Count the attempt, then run ``operation(session, submission)`` on the item the proof opens (locked),
    in one transaction."""
    state = info.context.state
    try:
        await _count_attempt(info)
        async with state.transaction() as session:
            submission = await proofs.authorise(session, proof.to_domain(), state.secret_key, lock=True)
            return await operation(session, submission)
    except DomainError as error:
        return error_result(error)


@strawberry.type
class PrivacyQuery:
    @strawberry.field(description="Agency admins: who of your agency read a reporter's contact, when, on which "
                      "item; newest first.")
    async def contact_access_log(self, info: Info, first: int = 50, after: str | None = None) -> ContactReadConnection:
        actor = await info.context.staff()
        async with info.context.state.reading() as session:
            page = await access_log.agency_contact_reads(session, actor, first=first, after=after)
        edges = [ContactReadEdge(cursor=str(read.event_id), node=ContactRead(
            id=strawberry.ID(str(read.event_id)), at=read.at, staff_id=read.staff_id, staff_email=read.staff_email,
            tracking_code=codes.format_tracking_code(read.tracking_code),
            submission_id=strawberry.ID(node_id(read.submission_id)),
        )) for read in page.reads]
        return ContactReadConnection(edges=edges, page_info=PageInfo(
            has_next_page=page.has_next_page, end_cursor=edges[-1].cursor if edges else None))


@strawberry.type
class PrivacyMutation:
    @strawberry.mutation(description="Exchange the code `requestVerificationCode` sent to your phone for a short-lived "
                         "proof of that phone, and the submissions it opens.")
    async def verify_phone_for_my_data(self, info: Info, phone: str, code: str) -> PhoneAccessResult:
        state = info.context.state
        try:
            await _count_attempt(info)
            async with state.transaction() as session:
                verified = await proofs.verify_phone(session, state.secret_key, phone, code)
        except DomainError as error:
            return dialogue_error(error)
        if isinstance(verified, DomainNotVerified):
            return dialogue_error(verified)  # committed: the spent attempt counts
        return PhoneDataAccess(phone_token=verified.token, expires_at=verified.expires_at,
                               tracking_codes=verified.tracking_codes)

    @strawberry.mutation(description="Download everything held about you in your submission, as JSON.")
    async def export_my_data(self, info: Info, proof: CitizenProofInput) -> ExportResult:
        async def operation(session, submission):
            data = await export.export_personal_data(session, submission)
            return PersonalDataExport(file_name=f"suara-{submission.tracking_code}.json", data=data)
        return await _as_citizen(info, proof, operation)

    @strawberry.mutation(description="Correct the contact on your submission (recorded in its history, without "
                         "the values).")
    async def correct_my_contact(self, info: Info, proof: CitizenProofInput, contact: ContactInput) -> CorrectResult:
        async def operation(session, submission):
            corrected = await correction.correct_contact(
                session, submission, name=contact.name, phone=contact.phone, email=contact.email, nik=contact.nik,
                actor=Actor.citizen())
            stored = corrected.contact
            return ContactCorrected(
                contact=None if stored.is_empty() else ReporterContact(
                    name=stored.name, phone=stored.phone, email=stored.email, nik=stored.nik),
                changed_fields=corrected.changed)
        return await _as_citizen(info, proof, operation)

    @strawberry.mutation(description="Erase your personal data in your submission for good: the contact is deleted "
                         "and your texts are masked everywhere; the report and its history stay, without you.")
    async def erase_my_data(self, info: Info, proof: CitizenProofInput) -> EraseResult:
        async def operation(session, submission):
            erased = await erasure.erase(session, submission, reason=ErasureReason.CITIZEN, actor=Actor.citizen(),
                                         secret_key=info.context.state.secret_key)
            return PersonalDataErased(erased_at=erased.erased_at, already_erased=erased.already)
        return await _as_citizen(info, proof, operation)
