"""The billing domain: rules (pure), their SQL predicates, one service per payments operation.

Affise's wire says "payment" where this domain says "invoice": the API layer (api/payments.py)
keeps Affise's word in paths, parameters and view names; everything here says invoice.
"""
