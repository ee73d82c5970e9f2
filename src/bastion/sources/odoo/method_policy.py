"""Which model methods ``execute_method`` may call on Odoo.

Odoo itself refuses private methods (a leading ``_``) over RPC and applies the user's rights to
everything else. Bastion refuses more, for reasons Odoo cannot know about:

- writes that have their own tools: ``create``, ``write``, ``unlink`` and the methods that create or
  overwrite records in bulk (``copy``, ``load``, ``name_create``...) go through ``create_record``,
  ``update_records`` and ``delete_records``, which preview with ``dry_run`` and are audited as writes;
- anything that would change who or what the call acts as: ``sudo``, ``with_user``, ``with_env``,
  ``with_context``, ``with_company``...: a call always acts as the linked Odoo user;
- ORM and cache plumbing that has no business meaning over RPC (``flush_model``, ``invalidate_*``...);
- credential changes: passwords and API keys are changed in Odoo, never through an AI.
"""

from __future__ import annotations

from bastion.sources.errors import AccessDenied

DENIED_METHODS = frozenset(
    {
        # writes with their own, previewed tools
        "create",
        "write",
        "unlink",
        "copy",
        "copy_data",
        "copy_multi",
        "load",
        "import_data",
        "name_create",
        "update",
        "toggle_active",
        # acting as someone or something else
        "sudo",
        "with_user",
        "with_env",
        "with_context",
        "with_company",
        "with_prefetch",
        "env",
        "browse",
        # ORM plumbing
        "init",
        "flush",
        "flush_model",
        "flush_recordset",
        "invalidate_cache",
        "invalidate_model",
        "invalidate_recordset",
        "modified",
        "clear_caches",
        "pool",
        "registry",
        # credentials
        "change_password",
        "preference_change_password",
        "action_reset_password",
        "reset_password",
        "generate",
        "revoke",
        "check_credentials",
    }
)


def check_method(model: str, method: str) -> None:
    if not method or method.startswith("_"):
        raise AccessDenied(
            f"{method!r} is a private method of {model}; only public methods (no leading '_') can be called."
        )
    if method in DENIED_METHODS:
        if method in {"create", "write", "unlink", "copy", "copy_data", "copy_multi", "load", "name_create"}:
            raise AccessDenied(
                f"{model}.{method} cannot be called through execute_method; use create_record, update_records "
                "or delete_records, which preview the change first."
            )
        raise AccessDenied(
            f"{model}.{method} is on Bastion's denylist (identity switches, ORM internals, credentials) "
            "and cannot be called; call a business method such as action_confirm instead."
        )
