"""The billing domain: rules (pure) and one service per Affise payments operation."""
