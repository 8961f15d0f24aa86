"""Pydantic models of every input and output: plans, rule libraries, claims, decisions."""
