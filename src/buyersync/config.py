"""One Settings class for every entry point: BUYERSYNC_* environment variables, safe defaults.

| variable | default | meaning |
|---|---|---|
| BUYERSYNC_DB | sqlite file in the user's data folder | workspace database URL (sqlite:///… or postgresql://…) |
| BUYERSYNC_DATA_DIR | the platform's user data folder | where the embedded SQLite workspace lives |
| BUYERSYNC_LANG | from LANG | interface language of the terminal's messages: zh or en |
| BUYERSYNC_PRIORS | (shipped priors) | YAML file overriding the trade-off priors |
| BUYERSYNC_STALLED_DAYS | 21 | a deal with no stage movement for this many days is stalled |
| BUYERSYNC_SECRET_KEY | (made per run in local mode) | signs session cookies; team mode needs 32+ characters |
| BUYERSYNC_TEAM | false | team mode for `serve`: sign-in required, roles seller/manager/admin |
| BUYERSYNC_DEBUG | false | let an internal error show its traceback instead of one line |
| BUYERSYNC_DATE_ORDER | mdy | how an ambiguous date such as 02/04/2026 reads: mdy (4 Feb) or dmy (2 Apr) |
| BUYERSYNC_SIGNER_NAME | none | your name under letters of deals with no owner (an owner signs their own) |
| BUYERSYNC_SIGNER_TITLE | none | your title, under your name, on letters you sign |
| BUYERSYNC_ALLOWED_HOSTS | (none) | extra host names to answer to, comma-separated (local: loopback always) |
| BUYERSYNC_MAX_BODY_BYTES | 16777216 | largest request body read (16 MiB; 64 KiB before team sign-in) |
| BUYERSYNC_LLM_BASE_URL | (none: nothing leaves the machine) | an OpenAI-compatible endpoint for personalised letters |
| BUYERSYNC_LLM_MODEL | default | the model name sent to that endpoint |
| BUYERSYNC_LLM_API_KEY | (none) | its bearer key, if it needs one |
| BUYERSYNC_IMAP_PASSWORD | (none) | the password for `evidence fetch-mail` |

This class is the only reader of the environment: every other module gets its settings
(or the one value it needs, such as the language) from an entry point.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from buyersync.text import lang_of, t


def default_data_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("buyersync", appauthor=False))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BUYERSYNC_", extra="ignore")

    # BUYERSYNC_LANG wins; else the system's LANG ("zh_CN.UTF-8" → zh); else English.
    # (First: the other fields' messages are written in it.)
    lang: str | None = Field(default=None, validation_alias=AliasChoices("buyersync_lang", "lang"))
    db: str | None = Field(default=None, description="Workspace database URL")
    data_dir: Path | None = None
    priors: Path | None = None
    stalled_days: int = Field(default=21, ge=1, le=3650)
    secret_key: str | None = None
    team: bool = Field(default=False, description="Team mode: accounts, roles, sign-in")
    debug: bool = False
    date_order: Literal["mdy", "dmy"] = Field(
        default="mdy", description="How an ambiguous numeric date (02/04/2026) is read")
    signer_name: str | None = Field(default=None, max_length=200,
                                    description="Your name under letters (deals you own or with no owner)")
    signer_title: str | None = Field(default=None, max_length=200,
                                     description="Your title under letters, below the name")
    allowed_hosts: str = Field(default="", max_length=2_000,
                               description="Host names the server answers to, comma-separated")
    max_body_bytes: int = Field(default=16 * 1024 * 1024, ge=1024, le=1024**3)
    llm_base_url: str | None = Field(default=None, description=(
        "OpenAI-compatible endpoint for personalised letters; unset: nothing leaves the machine"))
    llm_model: str = "default"
    llm_api_key: str | None = None
    imap_password: str | None = None

    @field_validator("db")
    @classmethod
    def _known_scheme(cls, v: str | None, info: ValidationInfo) -> str | None:
        if v is not None and not v.startswith(("sqlite", "postgresql", "postgres://")):
            # `lang` is declared first, so it is read by now: the message is in its language
            raise ValueError(t("errors.settings_db_url", lang_of(info.data.get("lang"))))
        return v

    @model_validator(mode="after")
    def _team_needs_a_secret(self) -> Settings:
        # A per-run key would sign everyone out on every restart and, worse, a guessable
        # or shared default would let anyone forge a session: team mode needs a real one.
        if self.team and (not self.secret_key or len(self.secret_key) < 32):
            raise ValueError(t("errors.settings_team_secret", self.ui_lang))
        return self

    @property
    def ui_lang(self) -> str:
        """The interface language, "zh" or "en"."""
        return lang_of(self.lang)

    @property
    def host_names(self) -> frozenset[str]:
        return frozenset(h.strip().lower() for h in self.allowed_hosts.split(",") if h.strip())

    @property
    def embedded(self) -> bool:
        """True on the default workspace: the SQLite file in the user's data folder."""
        return not self.db

    def database_url(self) -> str:
        if self.db:
            url = self.db
            if url.startswith("postgres://"):
                url = "postgresql://" + url[len("postgres://"):]
            if url.startswith("postgresql://"):
                url = "postgresql+psycopg://" + url[len("postgresql://"):]
            return url
        folder = self.data_dir or default_data_dir()
        return f"sqlite:///{folder / 'workspace.sqlite3'}"


def export_for_workers(settings: Settings, secret_key: str) -> None:
    """Hand these settings to worker processes started from this one (`serve --workers`):
    each reads them back through Settings. The workspace as resolved here, team mode, and
    one session key for all, so that a cookie one worker signed is good on the others."""
    import os

    os.environ.update({"BUYERSYNC_DB": settings.database_url(),
                       "BUYERSYNC_TEAM": "true" if settings.team else "false",
                       "BUYERSYNC_SECRET_KEY": settings.secret_key or secret_key})
