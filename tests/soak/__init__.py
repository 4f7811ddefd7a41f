"""The soak: Home Assistant, emulated proxies and simulated boots on one clock, with faults.

``clock`` moves everything together, ``user`` acts through Home Assistant, ``faults``
injects one fault kind at a time, ``oracle`` keeps the boots' own log beside what
Home Assistant shows and counts, ``home`` builds it all.
"""
