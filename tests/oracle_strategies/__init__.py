"""Strategies that aim (hypothesis): every boundary of the catalogue reached on purpose.

Each family (`hospital`, `diseases`, `accidents`, `plans`) offers `AIMS`: named builders, one
per boundary of the catalogue (a waiting period's day N−1 and N, each band edge and cap
reached exactly for the revision in force, each finding threshold and one step either side,
day 180/181, ties of injury grades, the women's windows by day, ...). The property tests are
parametrized over the names, so every boundary is reached in every run, and hypothesis varies
everything around it (member, units, other stays, order of enrolments). Builders that aim at
an amount (a cap reached exactly) ask the oracle where the edge lies for the history so far.

Everything generated is a valid claim: the engine must adjudicate every one of them.
"""
