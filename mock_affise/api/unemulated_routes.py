"""Known Affise operations the mock does not serve: each answers 501 naming itself.

Taken from Affise's published OpenAPI documents and from the calls the official SDKs
(affise/go-sdk, affise/php-sdk) make. An operation the mock later implements needs no change
here to start working: a served METHOD + path always wins over this list (api.not_emulated),
and deleting its line keeps the list honest.
"""

from __future__ import annotations

NOT_EMULATED: tuple[tuple[str, str], ...] = (
    # Partners, admin side
    ("POST", "/3.0/admin/partners/mass-update"),
    ("POST", "/3.0/admin/partner/password/{id}"),
    ("POST", "/3.0/admin/partner/{id}/locale"),
    ("GET", "/3.0/admin/postbacks"),
    # Conversions
    ("POST", "/3.0/admin/conversion/import"),
    ("POST", "/3.0/admin/conversions/import"),
    # The affiliate's own API
    ("GET", "/3.1/partner/me"),
    ("POST", "/3.1/partner/api_key"),
    ("GET", "/3.0/partner/offers"),
    ("GET", "/3.0/partner/live-offers"),
    ("POST", "/3.0/partner/activation/offer"),
    ("POST", "/3.0/partner/postback"),
    ("POST", "/3.0/partner/postback/{id}"),
    ("DELETE", "/3.0/partner/postback/{id}/remove"),
    ("DELETE", "/3.0/partner/postbacks/by-affiliates"),
    ("DELETE", "/3.0/partner/postbacks/by-offers"),
    ("GET", "/3.0/partner/pixels"),
    ("POST", "/3.0/partner/pixel"),
    ("POST", "/3.0/partner/pixel/{id}"),
    ("DELETE", "/3.0/partner/pixel/{id}/remove"),
    ("GET", "/3.0/partner/smartlink/categories"),
    ("GET", "/3.0/news"),
    ("GET", "/3.0/news/{id}"),
    # Offers, advertisers, users and the rest of the network
    ("GET", "/3.0/offers"),
    ("GET", "/3.0/offer/{id}"),
    ("POST", "/3.0/admin/offer"),
    ("POST", "/3.0/admin/offer/{id}"),
    ("GET", "/3.0/admin/advertisers"),
    ("GET", "/3.0/admin/advertiser/{id}"),
    ("POST", "/3.0/admin/advertiser"),
    ("POST", "/3.0/admin/advertiser/{id}"),
    ("GET", "/3.0/admin/users"),
    ("GET", "/3.0/admin/user/{id}"),
    ("POST", "/3.0/admin/user"),
    ("POST", "/3.0/admin/user/{id}"),
    ("GET", "/3.0/admin/custom_fields"),
    ("GET", "/3.0/admin/domains"),
    ("GET", "/3.0/admin/tickets"),
    ("GET", "/3.0/admin/ticket/{id}"),
    # Statistics other than conversions
    ("GET", "/3.0/stats/clicks"),
    ("GET", "/3.0/stats/custom"),
    ("GET", "/3.0/stats/serverpostbacks"),
    ("GET", "/3.0/stats/affiliatepostbacks"),
    ("GET", "/3.0/stats/getbydate"),
    ("GET", "/3.0/stats/getbypartner"),
    ("GET", "/3.0/stats/getbyprogram"),
    ("GET", "/3.0/stats/getbycountries"),
    ("GET", "/3.0/stats/getbygoal"),
    ("GET", "/3.0/stats/getbysub"),
    ("GET", "/3.0/stats/getreferralpayments"),
)
