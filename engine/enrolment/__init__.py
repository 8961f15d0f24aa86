"""Group enrolment (团体参保, catalogue §4): a workplace union's staff list, read from Excel or CSV,
checked row by row, and decided per plan against the participation rule each plan revision
declares in its YAML (`group_enrolment:`)."""
