"""Pages of the roadmaps app, one module per area: the roadmap views and items (``items``), the
planning pages around them (``planning``) and baselines and sharing (``sharing``)."""
