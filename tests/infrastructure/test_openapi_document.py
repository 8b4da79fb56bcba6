"""The API's reference is committed (docs/openapi.json), for readers and clients that do not run the stack:
it must be exactly what the code generates, or a change of the API went undocumented."""

from __future__ import annotations

import json

from localrun import openapi


def test_the_committed_openapi_document_is_the_one_the_code_generates() -> None:
    committed = json.loads(openapi.COMMITTED.read_text(encoding="utf-8"))
    generated = openapi.build_document()

    changed = sorted(
        f"{method.upper()} {path}"
        for path in committed["paths"].keys() | generated["paths"].keys()
        for method in committed["paths"].get(path, {}).keys() | generated["paths"].get(path, {}).keys()
        if committed["paths"].get(path, {}).get(method) != generated["paths"].get(path, {}).get(method)
    )
    assert committed == generated, (
        f"docs/openapi.json is not what the code generates (operations that differ: {changed}); "
        "run `make openapi` and commit it"
    )
