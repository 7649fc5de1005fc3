"""UNTP-CRM vocabulary toolkit: builders, validator, mapping checks and recognition queries."""
