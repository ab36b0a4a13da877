"""Data tables of stancekit.actors; each row names its source (country_aliases.tsv, organisations.tsv)."""
