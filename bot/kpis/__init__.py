"""Key performance indicators, computed in the database for a period.

One module per concept: ``campaign`` (reach, shares, clicks, participation, targets, pilot
against the rest, breakdowns), ``content`` (per item and the top items), ``groups``
(departments and locations), ``people`` (per person and the leaderboard), ``routing``
(requests per department, first response, SLA, misroutes), ``reviews`` (drafts and review
time), ``earned_media`` (CPC/CPM settings and the value). Every aggregate is a SQL query
(SQLAlchemy Core); Python only shapes the few rows that come back. Groups of fewer than
``privacy.MIN_GROUP`` people are suppressed wherever a figure describes a group.
"""
