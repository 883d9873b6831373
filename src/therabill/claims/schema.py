"""The claim document's JSON Schema, generated from the models (docs/claim.schema.json).

Regenerate with ``python -m therabill.claims.schema docs/claim.schema.json``; a test fails when
the file in docs/ is not what the models produce.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from therabill.claims.document import Claim

SCHEMA_ID = "https://therabill.example/schemas/claim.schema.json"


def claim_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) a claim document must satisfy."""
    schema = Claim.model_json_schema(mode="validation")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}


def schema_text() -> str:
    return json.dumps(claim_json_schema(), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    target = Path(args[0]) if args else Path("docs/claim.schema.json")
    target.write_text(schema_text(), "utf-8")


if __name__ == "__main__":
    main()
