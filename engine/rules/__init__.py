"""Compiling plans into rules and evaluating them (durable_rules, or plain Python)."""
