import pytest

from bastion.config import ConfigError, Settings, normalize_database_url, parse_public_url


def _env(tmp_path, **extra):
    return {"BASTION_HOME": str(tmp_path / "home"), **extra}


def test_defaults_give_a_sqlite_database_in_the_data_folder_and_a_loopback_public_url(tmp_path):
    settings = Settings.from_env(_env(tmp_path))
    assert settings.database_url == f"sqlite+aiosqlite:///{tmp_path / 'home' / 'bastion.db'}"
    assert settings.public_url == "http://127.0.0.1:8000"
    assert settings.resource_url == "http://127.0.0.1:8000/mcp"
    assert settings.issuer == "http://127.0.0.1:8000"


def test_the_public_url_follows_the_serve_port(tmp_path):
    assert Settings.from_env(_env(tmp_path), port=9100).public_url == "http://127.0.0.1:9100"


def test_a_generated_secret_key_is_kept_in_the_data_folder_with_owner_only_permissions(tmp_path):
    first = Settings.from_env(_env(tmp_path))
    second = Settings.from_env(_env(tmp_path))
    key_file = tmp_path / "home" / "secret.key"
    assert first.secret_key == second.secret_key
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://MCP.Example.com/", "https://mcp.example.com"),
        ("https://mcp.example.com/bastion/", "https://mcp.example.com/bastion"),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
    ],
)
def test_the_issuer_is_normalized_without_a_trailing_slash(raw, expected):
    assert parse_public_url(raw) == expected


@pytest.mark.parametrize("raw", ["mcp.example.com", "ftp://x", "https://x/?a=1", "https://"])
def test_a_bad_public_url_is_refused_at_start_naming_the_variable(raw, tmp_path):
    with pytest.raises(ConfigError, match="BASTION_PUBLIC_URL"):
        Settings.from_env(_env(tmp_path, BASTION_PUBLIC_URL=raw))


def test_an_unsupported_database_url_names_the_variable():
    with pytest.raises(ConfigError, match="BASTION_DATABASE_URL"):
        normalize_database_url("mysql://root@localhost/db")


def test_postgres_urls_use_the_async_driver():
    assert normalize_database_url("postgresql://u@h/db") == "postgresql+asyncpg://u@h/db"


def test_trusted_proxies_must_be_addresses_or_networks(tmp_path):
    settings = Settings.from_env(_env(tmp_path, BASTION_TRUSTED_PROXIES="10.0.0.0/8, 192.168.1.5"))
    assert [str(n) for n in settings.trusted_proxies] == ["10.0.0.0/8", "192.168.1.5/32"]
    with pytest.raises(ConfigError, match="BASTION_TRUSTED_PROXIES has 'nope'"):
        Settings.from_env(_env(tmp_path, BASTION_TRUSTED_PROXIES="nope"))


def test_a_short_secret_key_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="BASTION_SECRET_KEY must be at least 32"):
        Settings.from_env(_env(tmp_path, BASTION_SECRET_KEY="short"))


def test_the_metadata_document_ca_file_must_exist(tmp_path):
    assert Settings.from_env(_env(tmp_path)).client_metadata_ca_file is None
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    assert (
        Settings.from_env(_env(tmp_path, BASTION_CLIENT_METADATA_CA_FILE=str(bundle))).client_metadata_ca_file == bundle
    )
    with pytest.raises(ConfigError, match=r"BASTION_CLIENT_METADATA_CA_FILE='/no/such\.pem' is not a file"):
        Settings.from_env(_env(tmp_path, BASTION_CLIENT_METADATA_CA_FILE="/no/such.pem"))
