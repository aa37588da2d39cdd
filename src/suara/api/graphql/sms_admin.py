"""GraphQL of the SMS intake's dead letters: inbound messages that kept failing, for triage admins.

Only what triage needs: attempts, the last error, when it came in, and the sender masked to its last
three digits. The resolver parses and calls one domain operation; a refusal (sign-in required, not a
triage admin) is a GraphQL error with its code, as for every query."""

from __future__ import annotations

from datetime import datetime

import strawberry

from suara.api.graphql.context import Info
from suara.channels.sms import intake
from suara.common.text import parse_row_id


@strawberry.type(description="An inbound SMS that failed every attempt and was set aside (a dead letter).")
class SmsDeadLetter:
    id: strawberry.ID
    phone_masked: str = strawberry.field(description="The sender with all but the last three digits hidden.")
    attempts: int
    last_error: str | None
    received_at: datetime
    failed_at: datetime | None


@strawberry.type
class SmsDeadLetterPage:
    letters: list[SmsDeadLetter]
    total_count: int
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class SmsAdminQuery:
    @strawberry.field(description="Triage admins: inbound SMS that kept failing, newest first.")
    async def sms_dead_letters(self, info: Info, first: int = 50, after: str | None = None) -> SmsDeadLetterPage:
        actor = await info.context.staff()
        async with info.context.state.reading() as session:
            page = await intake.dead_letters(session, actor, first=first, after=parse_row_id(after) if after else None)
        letters = [SmsDeadLetter(id=strawberry.ID(str(letter.id)), phone_masked=letter.phone_masked,
                                 attempts=letter.attempts, last_error=letter.last_error,
                                 received_at=letter.received_at, failed_at=letter.failed_at)
                   for letter in page.letters]
        return SmsDeadLetterPage(letters=letters, total_count=page.total, has_next_page=page.has_next_page,
                                 end_cursor=letters[-1].id if letters else None)
