"""The HR dashboard at ``/admin``: KPI pages with server-drawn charts, and the signed chart
images chat cards show. Figures come from ``bot.kpis``; this package only presents them."""
