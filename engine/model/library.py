"""Shared rule libraries in `rules/`: circumstance codes and exclusion clauses with groups."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import Field

from engine.model.types import Identifier, Strict


class CircumstanceCode(Strict):
    code: Identifier
    title: str = Field(description="中文名称")


class CircumstanceLibrary(Strict):
    """Codes a claim may state in `circumstances`; claims with other codes are refused."""

    kind: Literal["circumstances"]
    title: str
    codes: list[CircumstanceCode]


class ExclusionClause(Strict):
    id: Identifier
    title: str = Field(description="中文条款")
    when: Any = Field(description="condition under which the clause excludes the claim")
    unless: Any = Field(default=None, description="condition that lifts the exclusion")
    applies_to: str | None = Field(default=None, description="note on which plans use the clause")
    source: str | None = None


class ExclusionLibrary(Strict):
    """Exclusion clauses (除外责任) and the named groups plans refer to."""

    kind: Literal["exclusions"]
    title: str
    clauses: list[ExclusionClause]
    groups: dict[Identifier, list[Identifier]]


Library = Annotated[Union[CircumstanceLibrary, ExclusionLibrary], Field(discriminator="kind")]
