from __future__ import annotations

import asyncio

from shared.actions import close_http_session, get_http_session, open_http_session


async def test_one_session_per_loop_until_closed() -> None:
    opened = await open_http_session()
    assert get_http_session() is opened
    assert await open_http_session() is opened
    await close_http_session()
    assert opened.closed
    await close_http_session()  # twice is fine
    lazy = get_http_session()
    assert lazy is not opened and not lazy.closed
    await close_http_session()


def test_each_loop_gets_its_own_session() -> None:
    async def session_id() -> int:
        session = get_http_session()
        try:
            return id(session)
        finally:
            await close_http_session()

    async def both() -> tuple[int, int]:
        own = get_http_session()
        try:
            other = await asyncio.to_thread(asyncio.run, session_id())
            return id(own), other
        finally:
            await close_http_session()

    mine, theirs = asyncio.run(both())
    assert mine != theirs
