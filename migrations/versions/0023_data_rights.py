"""Citizens' rights under UU PDP (issue 19): the erasure record; indexes that find one item's
messages (outbox, raw SMS) for an export or an erasure, the items a verified phone owns, and the
agency's contact reads for its admins; and the one exception to the append-only event log: an erasure
(which says so with the transaction-local setting ``suara.erasing``) may rewrite an event's details,
and nothing else of it.

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-30 00:30:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0023'
down_revision: Union[str, None] = '0022'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


REFUSE_EXCEPT_ERASURE = """
CREATE OR REPLACE FUNCTION suara_refuse_event_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND current_setting('suara.erasing', true) = 'on'
       AND (NEW.id, NEW.submission_id, NEW.kind, NEW.actor, NEW.status_before, NEW.status_after, NEW.public,
            NEW.created_at)
           IS NOT DISTINCT FROM (OLD.id, OLD.submission_id, OLD.kind, OLD.actor, OLD.status_before, OLD.status_after,
                                 OLD.public, OLD.created_at) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'submission_events is append-only';
END $$;
"""
REFUSE_ALWAYS = """
CREATE OR REPLACE FUNCTION suara_refuse_event_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'submission_events is append-only';
END $$;
"""


def upgrade() -> None:
    op.execute(REFUSE_EXCEPT_ERASURE)
    op.create_table(
        'erasures',
        sa.Column('submission_id', sa.BigInteger(), sa.ForeignKey('submissions.id'), primary_key=True),
        sa.Column('reason', sa.String(length=16), nullable=False),
        sa.Column('erased_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_index('ix_outbox_submission', 'outbox', ['submission_id'],
                    postgresql_where=sa.text('submission_id IS NOT NULL'))
    op.create_index('ix_sms_inbound_submission', 'sms_inbound', ['submission_id'],
                    postgresql_where=sa.text('submission_id IS NOT NULL'))
    op.create_index('ix_reporter_contacts_verified_phone', 'reporter_contacts', ['phone'],
                    postgresql_where=sa.text('phone_verified'))
    op.create_index('ix_submission_events_contact_reads', 'submission_events', ['actor', 'id'],
                    postgresql_where=sa.text("kind = 'contact_viewed'"))


def downgrade() -> None:
    op.execute(REFUSE_ALWAYS)
    op.drop_index('ix_submission_events_contact_reads', table_name='submission_events')
    op.drop_index('ix_reporter_contacts_verified_phone', table_name='reporter_contacts')
    op.drop_index('ix_sms_inbound_submission', table_name='sms_inbound')
    op.drop_index('ix_outbox_submission', table_name='outbox')
    op.drop_table('erasures')
