"""Voting by SMS: the sender's number is the verified identity, one vote per number."""

from __future__ import annotations

from datetime import timedelta

from suara.db.columns import utcnow
from suara.db.engine import transaction
from suara.dialogue import polls
from tests.channels.test_sms_webhook import Phone


async def test_pilih_votes_once_per_number_and_can_change_the_vote(client, app_state, cast):
    now = utcnow()
    async with transaction(app_state.sessions) as session:
        poll = await polls.create_poll(session, cast.officer_a, question="Lokasi pasar baru sebaiknya di mana?",
                                       options=["Utara", "Selatan"], opens_at=now - timedelta(minutes=1),
                                       closes_at=now + timedelta(days=1))
    first, second = Phone(client, app_state), Phone(client, app_state)

    assert await first.say(f"PILIH {poll.id} 1") == "voted"
    assert "tercatat: Utara" in await first.last_reply()
    assert await first.say(f"pilih  {poll.id}  1") == "already_voted"
    assert await first.say(f"VOTE {poll.id} b") == "vote_changed"
    assert "changed to Selatan" in await first.last_reply()
    assert await second.say(f"PILIH {poll.id} selatan") == "voted"
    assert await second.say(f"PILIH {poll.id} 7") == "vote_invalid"
    assert "1=Utara, 2=Selatan" in await second.last_reply()

    async with app_state.reading() as session:
        assert await polls.recount(session, poll.id) == {o.option.id: o.votes for o in
                                                          (await polls.results(session, poll)).options}
        assert [o.votes for o in (await polls.results(session, poll)).options] == [0, 2]
