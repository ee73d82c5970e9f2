"""The requirements manifest (STYLE.md item 10): each rule of OAUTH.md and the tests that prove it.

One entry per rule. ``rule`` quotes OAUTH.md word for word (the copy it was written against is pinned in
``tests/snapshots/OAUTH.md``); a rule from the table of real clients is written ``<client>: <words of one
of its cells>``. ``tests`` are pytest node ids. A rule that is not built yet is ``deferred``, with the
reason, and may list the tests that pin today's behaviour instead. ``tests/test_requirements.py`` fails
when a rule has no test, when a listed test does not exist, and when OAUTH.md and this manifest drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Requirement:
    id: str
    rule: str
    tests: tuple[str, ...] = ()
    deferred: str | None = None


def rule(requirement_id: str, text: str, *tests: str) -> Requirement:
    return Requirement(requirement_id, text, tests)


def deferred(requirement_id: str, text: str, reason: str, *tests: str) -> Requirement:
    return Requirement(requirement_id, text, tests, deferred=reason)


# Test modules, so each node id below reads as "module + test name".
AUTHORIZE = "tests/oauth/test_authorize.py::"
CLIENT_AUTH = "tests/oauth/test_client_auth.py::"
INTROSPECT = "tests/oauth/test_introspect.py::"
METADATA = "tests/oauth/test_metadata.py::"
PKCE = "tests/oauth/test_pkce.py::"
REDIRECT_URIS = "tests/oauth/test_redirect_uris.py::"
REGISTER = "tests/oauth/test_register.py::"
RESOURCE = "tests/oauth/test_resource.py::"
REVOKE = "tests/oauth/test_revoke.py::"
SCOPES = "tests/test_scopes.py::"
TOKEN = "tests/oauth/test_token.py::"
CODE_GRANT = "tests/oauth/test_token_authorization_code.py::"
CLIENT_CREDENTIALS = "tests/oauth/test_token_client_credentials.py::"
REFRESH = "tests/oauth/test_token_refresh.py::"
RFC7009 = "tests/spec/test_rfc7009_revocation.py::"
RFC7591 = "tests/spec/test_rfc7591_dynamic_registration.py::"
RFC7662 = "tests/spec/test_rfc7662_introspection.py::"
RFC8252 = "tests/spec/test_rfc8252_loopback_redirects.py::"
RFC8707 = "tests/spec/test_rfc8707_resource_indicators.py::"
RFC9207 = "tests/spec/test_rfc9207_issuer_identification.py::"
RFC9700 = "tests/spec/test_rfc9700_refresh_token_rotation.py::"
MCP_ENDPOINT = "tests/mcp/test_endpoint.py::"
MCP_ERRORS = "tests/mcp/test_errors.py::"
MCP_GATE = "tests/mcp/test_gate.py::"
MCP_ORIGINS = "tests/mcp/test_origins.py::"
MCP_RESOURCE_METADATA = "tests/mcp/test_resource_metadata.py::"
MCP_SERVER = "tests/mcp/test_server.py::"
E2E_API_KEY = "tests/e2e/test_api_key_journeys.py::"
E2E_OAUTH = "tests/e2e/test_oauth_journeys.py::"
ACCOUNT_PAGES = "tests/console/test_accounts_pages.py::"
CLI = "tests/test_cli.py::"
CONFIG = "tests/test_config.py::"
CONNECTIONS = "tests/test_connections.py::"
SERVER_SETTINGS = "tests/test_server_settings.py::"
PUBLIC_SURFACE = "tests/test_public_surface.py::"

CIMD_FETCH = "tests/oauth/test_metadata_fetch.py::"
CIMD_RULES = "tests/oauth/test_client_metadata_documents.py::"
CIMD_CLIENTS = "tests/oauth/test_metadata_document_clients.py::"
CIMD_SIGNS_IN = CIMD_CLIENTS + "test_a_metadata_document_client_signs_in_and_gets_tokens"
CIMD_E2E = (
    "tests/e2e/test_metadata_document_journeys.py::test_the_sdk_client_signs_in_with_a_client_id_metadata_document"
)
NO_ODOO_YET = "No Odoo data source exists yet (a later issue): Bastion makes no Odoo call that could carry a token."

# Tests shared by several rules.
ADVERTISES_EXACTLY = METADATA + "test_the_metadata_advertises_exactly_what_the_server_accepts"
METADATA_SNAPSHOT = PUBLIC_SURFACE + "test_the_authorization_server_metadata_is_pinned"
REAL_CLIENT_SCOPES = AUTHORIZE + "test_scopes_real_clients_send_are_tolerated_and_grant_what_the_connection_allows"
HTTPS_AND_LOOPBACK = REDIRECT_URIS + "test_https_and_loopback_http_redirect_uris_can_be_registered"
SDK_REGISTERS = RFC7591 + "test_the_sdk_client_registers_at_the_advertised_endpoint_and_reads_the_answer"
REGISTERS_ITSELF_E2E = E2E_OAUTH + "test_a_client_that_registers_itself_signs_in_and_is_listed_as_dynamic_for_alice"
PUBLIC_REGISTRATION = REGISTER + "test_a_public_client_is_registered_without_a_secret"
RFC6750_DESCRIPTION = (
    MCP_ERRORS
    + "test_a_description_keeps_only_the_characters_rfc_6750_allows_in_the_header_but_all_of_them_in_the_body"
)
WRITE_TOOL_STEP_UP = MCP_GATE + "test_a_read_only_credential_calling_a_write_tool_gets_a_403_naming_every_scope_needed"
CUSTOM_PUBLIC_CLIENT_E2E = (
    E2E_OAUTH + "test_a_public_custom_client_signs_in_with_pkce_alone_read_only_and_refreshes_on_the_modern_protocol"
)
CUSTOM_CONFIDENTIAL_CLIENT_E2E = (
    E2E_OAUTH + "test_a_confidential_custom_client_signs_in_refreshes_and_obeys_rotation_and_revocation"
)

RESOURCE_SERVER = (
    rule(
        "rs.metadata.locations",
        "RFC 9728 protected-resource metadata at `/.well-known/oauth-protected-resource/mcp` **and** "
        "`/.well-known/oauth-protected-resource`",
        MCP_RESOURCE_METADATA + "test_the_metadata_names_this_resource_and_its_authorization_server_without_auth",
        PUBLIC_SURFACE + "test_the_protected_resource_metadata_is_pinned",
    ),
    rule(
        "rs.metadata.resource",
        "`resource` is exactly `<PUBLIC_URL>/mcp`",
        MCP_RESOURCE_METADATA + "test_the_resource_is_exactly_the_mcp_url_and_offline_access_is_not_a_resource_scope",
    ),
    rule(
        "rs.metadata.authorization_servers",
        "`authorization_servers` = [issuer]",
        MCP_RESOURCE_METADATA + "test_the_metadata_names_this_resource_and_its_authorization_server_without_auth",
    ),
    rule(
        "rs.metadata.scopes",
        "`scopes_supported` without `offline_access`",
        MCP_RESOURCE_METADATA + "test_the_resource_is_exactly_the_mcp_url_and_offline_access_is_not_a_resource_scope",
    ),
    rule(
        "rs.metadata.public",
        "No auth, CORS `*`.",
        MCP_RESOURCE_METADATA + "test_the_metadata_names_this_resource_and_its_authorization_server_without_auth",
        MCP_RESOURCE_METADATA + "test_a_browser_preflight_is_answered",
    ),
    rule(
        "rs.challenge",
        '401 on missing/invalid/expired token with `WWW-Authenticate: Bearer resource_metadata="…", '
        'scope="mcp:read mcp:write"`',
        MCP_GATE + "test_a_request_without_a_credential_gets_a_challenge_without_an_error_code",
        MCP_GATE + "test_an_unknown_token_is_refused_as_invalid",
        MCP_GATE + "test_an_expired_access_token_is_refused",
        MCP_ERRORS + "test_the_challenge_points_to_the_metadata_of_the_mcp_resource_and_asks_for_every_scope",
    ),
    rule(
        "rs.challenge.error_code",
        '`error="invalid_token"` only when a token was sent (RFC 6750 §3.1)',
        MCP_GATE + "test_a_request_without_a_credential_gets_a_challenge_without_an_error_code",
        MCP_GATE + "test_an_unknown_token_is_refused_as_invalid",
        MCP_GATE + "test_an_authorization_header_of_another_scheme_is_refused_as_invalid",
        RFC6750_DESCRIPTION,
    ),
    rule(
        "rs.audience",
        "the token's audience must be this resource; tokens for anything else are refused.",
        MCP_GATE + "test_a_token_issued_for_another_resource_is_refused",
    ),
    rule(
        "rs.insufficient_scope",
        "403 `insufficient_scope` with `scope=` naming every scope the call needs (a write tool with a read-only "
        "token).",
        WRITE_TOOL_STEP_UP,
        MCP_GATE + "test_a_read_only_oauth_token_is_stepped_up_for_a_write_tool_too",
        MCP_ERRORS + "test_an_insufficient_scope_challenge_names_the_scopes_the_call_needs",
    ),
    rule(
        "rs.origin",
        "validate `Origin` (403 when present and not allowed)",
        MCP_ORIGINS + "test_a_foreign_origin_is_refused",
        MCP_ORIGINS + "test_a_loopback_server_still_refuses_a_web_origin",
        MCP_ORIGINS + "test_over_http_an_origin_that_is_not_allowed_gets_403_with_a_sentence_and_an_audit_entry",
        MCP_ORIGINS + "test_over_http_the_servers_own_origin_is_let_through",
    ),
    rule(
        "rs.protocol_version",
        "`MCP-Protocol-Version` unsupported → 400",
        MCP_GATE + "test_an_unsupported_protocol_version_header_is_answered_400_naming_the_supported_ones",
        MCP_GATE + "test_the_protocol_version_rule_accepts_both_eras_and_an_absent_header",
    ),
    rule(
        "rs.sessions",
        "legacy sessions: missing id → 400, unknown → 404, a session belongs to the principal that made it.",
        MCP_ENDPOINT + "test_a_legacy_request_without_a_session_id_is_a_bad_request",
        MCP_ENDPOINT + "test_an_unknown_session_id_is_not_found",
        MCP_ENDPOINT + "test_a_session_is_refused_as_unknown_to_another_credential",
        MCP_ENDPOINT + "test_a_session_ended_with_delete_is_gone",
    ),
    rule(
        "rs.trailing_slash",
        "`/mcp` and `/mcp/` both answer without redirect",
        MCP_ENDPOINT + "test_mcp_with_a_trailing_slash_answers_directly_without_a_redirect",
    ),
    rule(
        "rs.every_request_authenticated",
        "every request carries `Authorization`.",
        MCP_ENDPOINT + "test_a_session_is_refused_as_unknown_to_another_credential",
        MCP_GATE + "test_the_master_switch_refuses_every_request_with_a_sentence_saying_why",
        E2E_API_KEY + "test_an_api_key_acts_as_its_user_in_both_protocol_eras_and_dies_when_rotated",
    ),
    deferred(
        "rs.odoo_credentials",
        "Never pass a client's token on to Odoo; Odoo calls use the user's own Odoo credential.",
        NO_ODOO_YET,
    ),
)

AUTHORIZATION_SERVER_METADATA = (
    rule(
        "as.metadata.issuer",
        "RFC 8414 metadata at `/.well-known/oauth-authorization-server` with `issuer` equal to the public base URL "
        "byte for byte",
        METADATA + "test_the_issuer_is_the_public_url_byte_for_byte",
        METADATA + "test_the_mcp_sdk_client_accepts_the_metadata_and_its_issuer",
        METADATA + "test_the_metadata_follows_a_public_url_with_a_path",
        CONFIG + "test_the_issuer_is_normalized_without_a_trailing_slash",
        METADATA_SNAPSHOT,
    ),
    rule(
        "as.metadata.response_types",
        'advertise `response_types_supported ["code"]`',
        ADVERTISES_EXACTLY,
        METADATA_SNAPSHOT,
    ),
    rule(
        "as.metadata.grant_types",
        '`grant_types_supported ["authorization_code","refresh_token"]` (+ `client_credentials` once built)',
        ADVERTISES_EXACTLY,
        CLIENT_CREDENTIALS + "test_a_confidential_custom_client_gets_an_access_token_acting_as_its_owner",
        METADATA_SNAPSHOT,
    ),
    rule(
        "as.metadata.code_challenge_methods",
        '`code_challenge_methods_supported ["S256"]`',
        ADVERTISES_EXACTLY,
        METADATA_SNAPSHOT,
    ),
    rule(
        "as.metadata.token_endpoint_auth_methods",
        '`token_endpoint_auth_methods_supported ["none","client_secret_basic","client_secret_post"]`',
        ADVERTISES_EXACTLY,
        METADATA_SNAPSHOT,
    ),
    rule(
        "as.metadata.endpoints",
        "`registration_endpoint`, `revocation_endpoint`, `introspection_endpoint`",
        METADATA + "test_the_metadata_lists_every_endpoint_under_the_public_url",
        METADATA + "test_the_registration_endpoint_is_left_out_while_dynamic_registration_is_off",
        METADATA_SNAPSHOT,
    ),
    rule(
        "as.metadata.scopes",
        "`scopes_supported` (incl. `offline_access`)",
        ADVERTISES_EXACTLY,
        METADATA_SNAPSHOT,
    ),
    rule(
        "as.metadata.iss_supported",
        "`authorization_response_iss_parameter_supported: true`",
        ADVERTISES_EXACTLY,
        RFC9207 + "test_the_server_advertises_that_it_sends_iss",
    ),
    rule(
        "as.metadata.cimd_supported",
        "`client_id_metadata_document_supported: true`",
        METADATA + "test_client_id_metadata_documents_are_advertised_while_they_are_accepted",
        METADATA_SNAPSHOT,
    ),
    rule(
        "as.metadata.no_openid_configuration",
        "Do not serve `openid-configuration` (we are not an OP).",
        METADATA + "test_openid_configuration_is_not_served_because_bastion_is_not_an_openid_provider",
    ),
)

AUTHORIZATION_CODE_FLOW = (
    rule(
        "as.pkce.required",
        "PKCE on every authorization-code flow",
        AUTHORIZE + "test_a_missing_code_challenge_is_refused",
        AUTHORIZE + "test_the_post_revalidates_pkce_instead_of_trusting_the_form",
        PKCE + "test_a_missing_challenge_is_refused",
        CODE_GRANT + "test_a_missing_pkce_verifier_is_invalid_grant",
        CODE_GRANT + "test_a_wrong_pkce_verifier_is_invalid_grant_and_leaves_the_code_unspent",
    ),
    rule(
        "as.pkce.s256_only",
        "S256 only",
        PKCE + "test_s256_matches_the_rfc_7636_example",
        PKCE + "test_pkce_downgrade_to_another_method_is_refused",
        PKCE + "test_a_challenge_that_is_not_a_sha256_digest_is_refused",
        AUTHORIZE + "test_a_plain_code_challenge_is_a_pkce_downgrade_and_refused",
        AUTHORIZE + "test_a_challenge_without_a_method_is_treated_as_plain_and_refused",
        CODE_GRANT + "test_a_verifier_that_matches_another_challenge_is_refused",
    ),
    rule(
        "as.pkce.verifier_length",
        "verifier 43–128 chars.",
        PKCE + "test_a_missing_malformed_or_wrong_verifier_is_invalid_grant",
        PKCE + "test_a_matching_verifier_passes",
    ),
    rule(
        "as.redirect_uri.exact_match",
        "exact redirect-URI match",
        REDIRECT_URIS + "test_an_exact_registered_uri_matches",
        REDIRECT_URIS + "test_anything_but_an_exact_match_is_refused",
        RFC8252 + "test_only_the_port_of_a_loopback_redirect_may_differ",
        AUTHORIZE + "test_the_post_revalidates_the_redirect_uri_instead_of_trusting_the_form",
        CODE_GRANT + "test_a_redirect_uri_other_than_the_authorization_requests_is_invalid_grant",
    ),
    rule(
        "as.redirect_uri.loopback_port",
        "except the port of loopback redirects (`127.0.0.1`, `[::1]`, `localhost`), which is ignored (RFC 8252 §7.3)",
        REDIRECT_URIS + "test_a_loopback_redirect_may_use_any_port",
        REDIRECT_URIS + "test_the_loopback_port_exception_does_not_swap_loopback_host_spellings",
        RFC8252 + "test_a_loopback_redirect_may_use_another_port_and_the_code_is_bound_to_it",
        RFC8252 + "test_a_self_registered_native_client_gets_its_code_on_whatever_port_it_listens",
    ),
    rule(
        "as.redirect_uri.schemes",
        "Only `https` or loopback `http`; no fragments.",
        HTTPS_AND_LOOPBACK,
        REDIRECT_URIS + "test_unusable_redirect_uris_are_rejected_with_the_reason",
        REGISTER + "test_unusable_redirect_uris_are_refused_with_the_reason",
        REGISTER + "test_a_loopback_redirect_uri_may_be_registered_over_http",
        CONNECTIONS + "test_a_bad_redirect_uri_creates_nothing",
        CLI + "test_a_bad_redirect_uri_is_named_exits_2_and_creates_nothing",
    ),
    rule(
        "as.redirect_uri.never_to_unregistered",
        "An unregistered redirect URI is never redirected to: show an error page instead.",
        AUTHORIZE + "test_an_unregistered_redirect_uri_gets_an_error_page_not_a_redirect",
        AUTHORIZE + "test_an_unknown_client_gets_an_error_page_not_a_redirect",
        AUTHORIZE + "test_the_redirect_uri_is_required_when_several_are_registered",
        RFC8252 + "test_only_the_port_of_a_loopback_redirect_may_differ",
    ),
    rule(
        "as.iss",
        "RFC 9207 `iss` on every authorization response, success and error.",
        RFC9207 + "test_a_successful_response_carries_the_metadata_issuer_byte_for_byte",
        RFC9207 + "test_a_denied_request_carries_iss",
        RFC9207 + "test_every_redirected_error_carries_iss",
        AUTHORIZE + "test_allowing_issues_a_code_bound_to_the_request_and_redirects_with_state_and_iss",
    ),
    rule(
        "as.resource",
        "RFC 8707 `resource` on authorize, token and refresh: absent → our resource; present and not ours → "
        "`invalid_target`.",
        RESOURCE + "test_absent_or_our_resource_means_our_mcp_endpoint",
        RESOURCE + "test_a_foreign_resource_is_invalid_target",
        AUTHORIZE + "test_a_foreign_resource_is_an_invalid_target",
        RFC8707 + "test_no_resource_means_this_servers_mcp_endpoint",
        RFC8707 + "test_a_trailing_slash_names_the_same_resource",
        RFC8707 + "test_one_foreign_resource_among_several_is_invalid_target",
        RFC8707 + "test_a_refresh_for_a_foreign_resource_is_invalid_target_and_spends_nothing",
        RFC8707 + "test_a_refresh_token_for_a_resource_no_longer_served_is_invalid_grant",
        CLIENT_CREDENTIALS + "test_a_foreign_resource_is_invalid_target",
    ),
    rule(
        "as.resource.before_the_code_is_spent",
        "Check it before spending the code.",
        RFC8707 + "test_a_foreign_resource_is_invalid_target_and_the_code_stays_usable",
        RFC8707 + "test_a_foreign_resource_is_refused_before_the_code_is_even_checked",
    ),
    rule(
        "as.code.single_use",
        "codes single-use",
        CODE_GRANT + "test_a_replayed_code_is_refused_and_revokes_every_token_it_issued",
        CODE_GRANT + "test_a_spent_code_records_when_it_was_used",
    ),
    rule(
        "as.code.lifetime",
        "≤ 10 min (setting)",
        AUTHORIZE + "test_the_code_lifetime_follows_the_server_setting",
        CODE_GRANT + "test_an_expired_code_is_invalid_grant",
        CODE_GRANT + "test_a_code_is_still_good_just_before_it_expires",
        SERVER_SETTINGS + "test_out_of_bounds_or_unknown_settings_are_rejected_with_what_is_accepted",
        SERVER_SETTINGS + "test_a_stored_value_out_of_todays_bounds_falls_back_to_the_default",
    ),
    rule(
        "as.code.binding",
        "bound to client, redirect URI, PKCE challenge, resource, scopes, user",
        AUTHORIZE + "test_allowing_issues_a_code_bound_to_the_request_and_redirects_with_state_and_iss",
        CODE_GRANT + "test_a_code_issued_to_another_client_is_invalid_grant_and_stays_usable_by_its_client",
        CODE_GRANT + "test_a_redirect_uri_other_than_the_authorization_requests_is_invalid_grant",
        CODE_GRANT + "test_a_verifier_that_matches_another_challenge_is_refused",
        RFC8707 + "test_a_code_issued_for_another_resource_is_invalid_grant",
        CODE_GRANT + "test_the_scopes_are_those_of_the_code_within_what_the_connection_may_have_now",
        CODE_GRANT + "test_a_code_of_a_user_deactivated_since_is_invalid_grant",
        CODE_GRANT + "test_tokens_are_stored_only_as_digests_bound_to_the_grant",
    ),
    rule(
        "as.code.replay_revokes",
        "a replayed code revokes every token issued from it.",
        CODE_GRANT + "test_a_replayed_code_is_refused_and_revokes_every_token_it_issued",
        CODE_GRANT + "test_a_replayed_code_also_revokes_the_tokens_its_refresh_token_was_rotated_into",
        CODE_GRANT + "test_a_replay_with_a_wrong_verifier_still_revokes_the_tokens",
        RFC7662 + "test_a_replayed_code_makes_its_tokens_inactive",
    ),
    rule(
        "as.refresh.rotation",
        "refresh tokens rotate on every use",
        REFRESH + "test_a_refresh_returns_a_new_pair_in_the_same_family_and_spends_the_old_token",
        REFRESH + "test_each_new_refresh_token_gets_the_full_refresh_lifetime",
        CUSTOM_CONFIDENTIAL_CLIENT_E2E,
    ),
    rule(
        "as.refresh.reuse_revokes_the_family",
        "a reused old token outside the grace window revokes the whole family (RFC 9700 §4.14.2)",
        RFC9700 + "test_reuse_after_the_grace_window_revokes_the_family_access_tokens_included",
        RFC9700 + "test_a_grace_window_of_zero_makes_every_reuse_revoke_the_family",
        RFC9700 + "test_reuse_in_one_family_leaves_other_sign_ins_of_the_same_client_alone",
    ),
    rule(
        "as.refresh.grace_window",
        "inside the grace window (setting, default 30 s) only the immediately previous token is accepted once more.",
        RFC9700 + "test_a_rotated_token_retried_inside_the_grace_window_is_accepted_once",
        RFC9700 + "test_a_second_retry_inside_the_grace_window_revokes_the_whole_family",
        RFC9700 + "test_a_token_older_than_the_immediately_previous_one_revokes_the_family_even_inside_the_window",
        RFC9700 + "test_the_successor_replaced_by_a_grace_retry_contains_the_family_when_presented",
        SERVER_SETTINGS + "test_token_lifetime_defaults_are_one_hour_thirty_days_thirty_seconds_and_ten_minutes",
    ),
    rule(
        "as.refresh.atomic_spend",
        "Spend the old token atomically (compare-and-set) before minting, so two concurrent refreshes cannot both win.",
        RFC9700 + "test_two_concurrent_refreshes_with_one_token_have_exactly_one_winner",
        RFC9700 + "test_two_concurrent_refreshes_never_leave_two_live_refresh_tokens",
    ),
    rule(
        "as.digests_only",
        "store only digests of codes, tokens, client secrets and API keys (OAuth 2.1 §7.1).",
        CODE_GRANT + "test_tokens_are_stored_only_as_digests_bound_to_the_grant",
        CODE_GRANT + "test_a_spent_code_records_when_it_was_used",
        CONNECTIONS + "test_a_confidential_client_gets_a_secret_shown_once_and_stored_only_as_a_digest",
        CONNECTIONS + "test_an_api_key_is_stored_as_a_digest_with_a_visible_prefix",
        REGISTER + "test_a_client_that_does_not_choose_gets_a_secret_for_client_secret_basic",
        CLI + "test_add_key_json_gives_the_key_once_and_stores_only_its_digest",
    ),
    rule(
        "as.refresh.always_issued",
        "refresh tokens are issued for every authorization-code grant (claude.ai does not always ask for "
        "`offline_access`).",
        CODE_GRANT + "test_a_valid_code_gets_a_bearer_access_token_and_always_a_refresh_token",
    ),
    rule(
        "as.scope.lenient",
        "tolerate `scope` absent, empty, with extra spaces (`scope=+offline_access`) or with unknown values "
        "(`claudeai`): drop unknown values, default to the connection's scopes.",
        SCOPES + "test_a_request_without_known_scopes_gets_everything_the_connection_allows",
        SCOPES + "test_unknown_scope_values_are_dropped_and_known_ones_kept",
        SCOPES + "test_scope_strings_split_on_plus_and_repeated_spaces",
        REAL_CLIENT_SCOPES,
        REFRESH + "test_unknown_scope_values_are_dropped_and_keep_the_granted_scopes",
        CLIENT_CREDENTIALS + "test_the_scope_asked_is_granted_within_the_connection_and_unknown_values_are_dropped",
    ),
    rule(
        "as.scope.not_bound_to_registration",
        "Never bind the allowed scopes to the scope string sent at registration.",
        REGISTER + "test_the_scope_asked_at_registration_never_narrows_what_the_client_may_be_granted",
        RFC7591 + "test_the_scope_sent_at_registration_does_not_limit_what_the_person_may_grant",
    ),
    rule(
        "as.authorize.no_side_effects",
        "`GET /oauth/authorize` has no side effects before consent (some clients pre-fetch it).",
        AUTHORIZE + "test_showing_the_consent_page_writes_nothing",
        AUTHORIZE + "test_an_unauthenticated_request_writes_nothing",
    ),
    rule(
        "as.token.unknown_client",
        "unknown or deleted client at `/oauth/token` → 401 `invalid_client` (clients then re-register).",
        CLIENT_AUTH + "test_an_unknown_client_is_401_invalid_client_with_www_authenticate",
        CLIENT_AUTH + "test_an_api_key_connection_is_not_an_oauth_client",
        CLIENT_AUTH + "test_a_revoked_connection_is_invalid_client_saying_an_administrator_revoked_it",
    ),
    rule(
        "as.token.no_store",
        "`Cache-Control: no-store` and `Pragma: no-cache` on token responses.",
        TOKEN + "test_success_and_error_responses_are_never_cached",
    ),
)

REVOCATION_INTROSPECTION_REGISTRATION = (
    rule(
        "as.revocation",
        "RFC 7009 revocation works for public clients (client_id only) and confidential ones.",
        REVOKE + "test_a_confidential_client_revokes_its_access_token",
        REVOKE + "test_a_public_client_revokes_with_its_client_id_only",
        REVOKE + "test_revoking_a_refresh_token_revokes_the_access_tokens_of_its_family",
        REVOKE + "test_an_unknown_token_is_answered_200_and_changes_nothing",
        RFC7009 + "test_a_public_client_signs_out_and_its_tokens_stop_working",
        RFC7009 + "test_one_client_cannot_revoke_another_clients_sign_in",
    ),
    rule(
        "as.introspection",
        "RFC 7662 introspection for confidential clients (and admin API keys).",
        INTROSPECT + "test_a_confidential_client_sees_its_live_access_token",
        INTROSPECT + "test_a_public_client_may_not_introspect",
        INTROSPECT + "test_a_client_learns_nothing_about_another_clients_token",
        INTROSPECT + "test_an_administrators_api_key_may_introspect_any_token",
        INTROSPECT + "test_a_non_administrators_api_key_may_not_introspect",
        INTROSPECT + "test_the_api_key_of_a_deactivated_administrator_may_not_introspect",
        RFC7662 + "test_an_access_token_is_active_until_the_second_it_expires",
    ),
    rule(
        "as.registration.created",
        "DCR (RFC 7591): 201 with full metadata",
        PUBLIC_REGISTRATION,
        REGISTER + "test_optional_metadata_is_stored_and_echoed",
        SDK_REGISTERS,
    ),
    rule(
        "as.registration.secret_never_expires",
        "`client_secret_expires_at` = 0",
        REGISTER + "test_a_client_that_does_not_choose_gets_a_secret_for_client_secret_basic",
    ),
    rule(
        "as.registration.application_type",
        "accept and store `application_type`",
        PUBLIC_REGISTRATION,
        REGISTER + "test_optional_metadata_is_stored_and_echoed",
    ),
    rule(
        "as.registration.auth_method",
        "default auth method `client_secret_basic` when a secret is requested and `none` when asked",
        REGISTER + "test_a_client_that_does_not_choose_gets_a_secret_for_client_secret_basic",
        PUBLIC_REGISTRATION,
        REGISTER + "test_client_secret_post_is_accepted",
        RFC7591 + "test_the_sdk_client_gets_a_secret_when_it_does_not_ask_for_none",
    ),
    rule(
        "as.registration.redirect_uris",
        "reject unusable redirect URIs with `invalid_redirect_uri`",
        REGISTER + "test_unusable_redirect_uris_are_refused_with_the_reason",
        REGISTER + "test_too_many_redirect_uris_are_refused",
        REGISTER + "test_a_refused_registration_is_audited_and_stores_nothing",
    ),
    rule(
        "as.registration.rate_limit",
        "rate-limit per IP",
        REGISTER + "test_registrations_are_limited_per_address_per_hour",
    ),
    rule(
        "as.registration.purge",
        "registrations never used are purged after a setting's number of days",
        REGISTER + "test_registrations_never_used_are_purged_after_the_set_number_of_days",
        REGISTER + "test_recent_unused_registrations_are_kept",
    ),
    rule(
        "as.registration.switch",
        "switchable off.",
        REGISTER + "test_registration_can_be_switched_off",
        RFC7591 + "test_switching_registration_off_hides_the_endpoint_and_refuses_registrations",
        METADATA + "test_the_registration_endpoint_is_left_out_while_dynamic_registration_is_off",
    ),
)

CLIENT_ID_METADATA_DOCUMENTS = (
    rule(
        "as.cimd.fetch",
        "CIMD: a `client_id` that is an https URL with a path is fetched (https only, no redirects, no "
        "private/loopback/link-local addresses after DNS resolution, ≤ 5 KB, ≤ 5 s, cached per HTTP cache headers "
        "within bounds)",
        CIMD_SIGNS_IN,
        CIMD_RULES + "test_a_metadata_url_is_https_with_a_path_and_its_host_is_returned",
        CIMD_CLIENTS + "test_an_http_client_id_is_refused_without_a_fetch",
        CIMD_FETCH + "test_a_redirect_is_not_followed",
        CIMD_FETCH + "test_an_address_that_is_not_public_is_never_connected_to",
        CIMD_FETCH + "test_dns_rebinding_cannot_reach_loopback",
        CIMD_FETCH + "test_a_document_larger_than_5_kb_is_refused",
        CIMD_FETCH + "test_a_document_that_does_not_arrive_in_time_is_refused",
        CIMD_RULES + "test_a_document_is_kept_as_its_cache_headers_say_within_bounds",
        CIMD_CLIENTS + "test_the_document_is_kept_as_long_as_its_cache_headers_say",
    ),
    rule(
        "as.cimd.client_id_matches_url",
        "the document's `client_id` must equal the URL",
        CIMD_RULES + "test_the_document_client_id_must_equal_the_url_it_came_from",
        CIMD_CLIENTS + "test_a_document_naming_another_client_id_is_shown_to_the_person",
    ),
    rule(
        "as.cimd.redirect_uris",
        "redirect URIs come from the document",
        CIMD_CLIENTS + "test_redirect_uris_come_from_the_document",
        CIMD_RULES + "test_redirect_uris_follow_the_redirect_uri_rules",
    ),
    rule(
        "as.cimd.no_secrets",
        "documents with secrets are refused",
        CIMD_RULES + "test_a_document_with_a_secret_is_refused",
        CIMD_CLIENTS + "test_a_document_with_a_secret_is_refused_at_the_authorization_endpoint",
        CIMD_CLIENTS + "test_a_document_that_turned_bad_makes_the_token_endpoint_answer_invalid_client",
    ),
    rule(
        "as.cimd.consent_shows_host",
        "consent shows the host.",
        CIMD_CLIENTS + "test_the_consent_page_shows_the_host_that_published_the_document",
    ),
)

CONSENT_PAGE = (
    rule(
        "as.consent.contents",
        "Consent page: client name (escaped; it is attacker-controlled), the redirect host, the scopes with a way "
        "to grant read-only, the signed-in user",
        AUTHORIZE + "test_the_consent_page_names_the_client_the_redirect_host_the_scopes_and_the_user",
        AUTHORIZE + "test_a_client_name_with_markup_is_shown_escaped",
        AUTHORIZE + "test_a_self_registered_client_is_marked_as_unverified",
        AUTHORIZE + "test_choosing_read_only_grants_only_mcp_read",
        AUTHORIZE + "test_asking_for_read_only_offers_only_read",
    ),
    rule(
        "as.consent.csrf",
        "CSRF token",
        AUTHORIZE + "test_the_consent_form_carries_the_whole_request_a_csrf_token_and_both_choices",
        AUTHORIZE + "test_a_post_without_the_sessions_csrf_token_is_refused",
    ),
    rule(
        "as.consent.no_framing",
        "`frame-ancestors 'none'` and `X-Frame-Options: DENY`",
        AUTHORIZE + "test_the_consent_page_cannot_be_cached_or_framed",
    ),
    rule(
        "as.consent.session_cookie",
        "session cookie `HttpOnly`, `Secure` on https, `SameSite=Lax`.",
        ACCOUNT_PAGES + "test_a_correct_sign_in_goes_to_next_with_an_http_only_lax_session_cookie",
        ACCOUNT_PAGES + "test_cookies_are_secure_when_the_public_url_is_https",
    ),
)

# The table of real clients: "<client>: <words of one of its cells>".
CLAUDE_AI = "claude.ai / Claude Desktop: "
CLAUDE_CODE = "Claude Code: "
CHATGPT = "ChatGPT: "
INSPECTOR = "MCP Inspector: "
MCP_REMOTE = "mcp-remote: "
CUSTOM_BACKENDS = "n8n / Power Automate / custom backends: "
STATIC_CLIENT_TESTS = (
    CONNECTIONS + "test_a_public_client_has_no_secret_and_authenticates_with_none",
    CUSTOM_PUBLIC_CLIENT_E2E,
)

REAL_CLIENTS = (
    rule("client.claude_ai.dcr", CLAUDE_AI + "DCR", SDK_REGISTERS, PUBLIC_REGISTRATION, REGISTERS_ITSELF_E2E),
    rule(
        "client.claude_ai.cimd",
        CLAUDE_AI + "CIMD `https://claude.ai/oauth/mcp-oauth-client-metadata` when offered with `none`",
        CIMD_SIGNS_IN,
        CIMD_RULES + "test_a_document_with_a_secret_is_refused",
        CIMD_E2E,
    ),
    rule(
        "client.claude_ai.redirect_uris",
        CLAUDE_AI + "`https://claude.ai/api/mcp/auth_callback`, `https://claude.com/api/mcp/auth_callback`",
        HTTPS_AND_LOOPBACK,
        PUBLIC_REGISTRATION,
    ),
    rule(
        "client.claude_ai.quirks",
        CLAUDE_AI + "`scope=+offline_access` or `scope=claudeai`, `prompt=consent`, exact PRM `resource` match",
        REAL_CLIENT_SCOPES,
        AUTHORIZE + "test_prompt_consent_asks_again_despite_a_remembered_consent",
        MCP_RESOURCE_METADATA + "test_the_resource_is_exactly_the_mcp_url_and_offline_access_is_not_a_resource_scope",
    ),
    rule(
        "client.claude_code.cimd",
        CLAUDE_CODE + "CIMD `https://claude.ai/oauth/claude-code-client-metadata`",
        METADATA + "test_client_id_metadata_documents_are_advertised_while_they_are_accepted",
        CIMD_SIGNS_IN,
        CIMD_E2E,
    ),
    rule("client.claude_code.dcr", CLAUDE_CODE + "DCR", SDK_REGISTERS, REGISTERS_ITSELF_E2E),
    rule(
        "client.claude_code.redirect_uris",
        CLAUDE_CODE + "`http://localhost:<any port>/callback`",
        RFC8252 + "test_a_loopback_redirect_may_use_another_port_and_the_code_is_bound_to_it",
        RFC8252 + "test_a_self_registered_native_client_gets_its_code_on_whatever_port_it_listens",
    ),
    rule(
        "client.claude_code.no_step_up",
        CLAUDE_CODE + "no 403 step-up: grant all needed scopes up front",
        REAL_CLIENT_SCOPES,
        MCP_SERVER + "test_a_read_only_credential_is_listed_only_the_tools_it_may_call",
    ),
    rule("client.chatgpt.dcr", CHATGPT + "DCR", SDK_REGISTERS, REGISTERS_ITSELF_E2E),
    rule("client.chatgpt.cimd", CHATGPT + "CIMD", CIMD_SIGNS_IN, CIMD_E2E),
    rule(
        "client.chatgpt.redirect_uris",
        CHATGPT + "`https://chatgpt.com/connector_platform_oauth_redirect`, `https://chatgpt.com/connector/oauth/<id>`",
        HTTPS_AND_LOOPBACK,
    ),
    rule(
        "client.chatgpt.scope_on_reconnect",
        CHATGPT + "may omit or empty `scope` on reconnect",
        REAL_CLIENT_SCOPES,
        REFRESH + "test_unknown_scope_values_are_dropped_and_keep_the_granted_scopes",
    ),
    rule("client.inspector.dcr", INSPECTOR + "DCR", SDK_REGISTERS, REGISTERS_ITSELF_E2E),
    rule("client.inspector.cimd", INSPECTOR + "CIMD", CIMD_SIGNS_IN, CIMD_E2E),
    rule("client.inspector.static", INSPECTOR + "static", *STATIC_CLIENT_TESTS),
    rule(
        "client.inspector.redirect_uris",
        INSPECTOR + "`http://localhost:6274/oauth/callback`, `http://127.0.0.1:6276/oauth/callback`",
        HTTPS_AND_LOOPBACK,
        METADATA + "test_browser_based_clients_may_read_the_metadata_cross_origin",
        REGISTER + "test_the_registration_response_is_readable_from_a_browser_page",
    ),
    rule(
        "client.inspector.step_up",
        INSPECTOR + "step-up supported",
        WRITE_TOOL_STEP_UP,
        MCP_GATE + "test_a_read_only_oauth_token_is_stepped_up_for_a_write_tool_too",
    ),
    rule("client.mcp_remote.dcr", MCP_REMOTE + "DCR", SDK_REGISTERS, REGISTERS_ITSELF_E2E),
    rule("client.mcp_remote.static", MCP_REMOTE + "static", *STATIC_CLIENT_TESTS),
    rule("client.mcp_remote.cimd", MCP_REMOTE + "CIMD", CIMD_SIGNS_IN, CIMD_E2E),
    rule(
        "client.mcp_remote.redirect_uris",
        MCP_REMOTE + "`http://localhost:<port>/oauth/callback`",
        REDIRECT_URIS + "test_a_loopback_redirect_may_use_any_port",
        RFC8252 + "test_a_self_registered_native_client_gets_its_code_on_whatever_port_it_listens",
    ),
    rule(
        "client.mcp_remote.none",
        MCP_REMOTE + "picks `none` when listed",
        ADVERTISES_EXACTLY,
        PUBLIC_REGISTRATION,
        CLIENT_AUTH + "test_a_public_client_authenticates_with_its_client_id_only",
    ),
    rule(
        "client.custom_backends.confidential_client",
        CUSTOM_BACKENDS + "custom OAuth client (confidential)",
        CONNECTIONS + "test_a_confidential_client_gets_a_secret_shown_once_and_stored_only_as_a_digest",
        CLI + "test_add_oauth_json_is_exactly_the_ids_the_secret_and_the_mcp_url",
        CUSTOM_CONFIDENTIAL_CLIENT_E2E,
    ),
    rule(
        "client.custom_backends.redirect_uri",
        CUSTOM_BACKENDS + "their own https callback",
        HTTPS_AND_LOOPBACK,
        CLI + "test_a_bad_redirect_uri_is_named_exits_2_and_creates_nothing",
    ),
    rule(
        "client.custom_backends.auth_methods",
        CUSTOM_BACKENDS + "`client_secret_basic` or `_post`",
        CLIENT_AUTH + "test_client_secret_basic_is_accepted",
        CLIENT_AUTH + "test_client_secret_post_is_accepted",
        CLIENT_AUTH + "test_client_secret_basic_with_url_encoded_characters_is_accepted",
    ),
)

REQUIREMENTS: tuple[Requirement, ...] = (
    *RESOURCE_SERVER,
    *AUTHORIZATION_SERVER_METADATA,
    *AUTHORIZATION_CODE_FLOW,
    *REVOCATION_INTROSPECTION_REGISTRATION,
    *CLIENT_ID_METADATA_DOCUMENTS,
    *CONSENT_PAGE,
    *REAL_CLIENTS,
)
