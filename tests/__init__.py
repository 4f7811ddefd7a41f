"""Tests of the Presso boots integration, its protocol library and simulator."""
