"""A scan of every text column of every table for a person's values: a store added later is scanned too."""

from __future__ import annotations

from sqlalchemy import text

COLUMNS = text("""
    SELECT c.table_name, c.column_name
    FROM information_schema.columns c
    JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
    WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
      AND (c.data_type IN ('text', 'character varying', 'jsonb', 'json') OR c.udt_name IN ('_text', '_varchar'))
    ORDER BY c.table_name, c.ordinal_position
""")


async def text_columns(session) -> dict[str, list[str]]:
    tables: dict[str, list[str]] = {}
    for table, column in (await session.exec(COLUMNS)).all():
        tables.setdefault(table, []).append(column)
    return tables


async def found(session, words: list[str], digits: list[str]) -> dict[str, int]:
    """``table.column`` → rows holding any of ``words`` (any case) or any of ``digits`` once every
    non-digit is removed (a phone written 0812-3456-7890, a NIK in groups)."""
    likes = [f"%{word}%" for word in words]
    digit_likes = [f"%{number}%" for number in digits]
    hits: dict[str, int] = {}
    for table, columns in (await text_columns(session)).items():
        counts = ", ".join(
            f"""count(*) FILTER (WHERE CAST("{column}" AS text) ILIKE ANY(CAST(:likes AS text[]))
                OR regexp_replace(CAST("{column}" AS text), '[^0-9]', '', 'g') LIKE ANY(CAST(:digits AS text[])))"""
            for column in columns)
        row = (await session.exec(text(f'SELECT {counts} FROM "{table}"'),
                                  params={"likes": likes, "digits": digit_likes})).one()
        hits.update({f"{table}.{column}": count for column, count in zip(columns, row) if count})
    return hits
