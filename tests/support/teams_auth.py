"""The Bot Framework's side of authentication, locally: a signing key, tokens as the
channel issues them, the OpenID metadata that publishes the key, and the bot's own token
for the connector (no Azure AD)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from botframework.connector.auth import ServiceClientCredentialsFactory
from cryptography.hazmat.primitives.asymmetric import rsa
from msrest.authentication import Authentication

from adapters.teams.config import Cloud
from tests.support.teams_wire import APP_ID, BOT_TOKEN, ISSUER, KEY_ID

# --- tokens ----------------------------------------------------------------------------


class Keys:
    """The channel's signing key, and tokens as the Bot Framework channel issues them."""

    def __init__(self) -> None:
        self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.private.public_key()))
        self.jwks = {"keys": [{**jwk, "kid": KEY_ID, "use": "sig", "endorsements": ["msteams"]}]}

    def token(
        self,
        service_url: str,
        *,
        audience: str = APP_ID,
        issuer: str = ISSUER,
        expires_in: int = 3600,
        kid: str = KEY_ID,
        **claims: Any,
    ) -> str:
        now = int(time.time())
        payload = {
            "iss": issuer,
            "aud": audience,
            "serviceurl": service_url,
            "nbf": now - 60,
            "iat": now - 60,
            "exp": now + expires_in,
            **claims,
        }
        return jwt.encode(payload, self.private, algorithm="RS256", headers={"kid": kid})


class OpenIdServer:
    """OpenID metadata and keys on a thread of its own: the SDK fetches them with blocking
    ``requests``, which would deadlock a server on the test's own event loop."""

    def __init__(self, keys: Keys) -> None:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                documents = {
                    "/v1/.well-known/openidconfiguration": {
                        "issuer": ISSUER,
                        "jwks_uri": f"{outer.url}/v1/.well-known/keys",
                        "id_token_signing_alg_values_supported": ["RS256"],
                    },
                    "/v1/.well-known/keys": keys.jwks,
                }
                body = json.dumps(documents.get(self.path, {})).encode()
                self.send_response(200 if self.path in documents else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def cloud(self, oauth_url: str = "http://127.0.0.1:9") -> Cloud:
        metadata = f"{self.url}/v1/.well-known/openidconfiguration"
        return Cloud(
            channel_openid_metadata_url=metadata,
            channel_token_issuer=ISSUER,
            emulator_openid_metadata_url=metadata,
            login_url="https://login.microsoftonline.com/",
            oauth_scope="https://api.botframework.com",
            oauth_url=oauth_url,
            caller_id="urn:botframework:azure",
        )

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class _BotToken(Authentication):
    def signed_session(self, session: Any = None) -> Any:
        session = super().signed_session(session)
        session.headers["Authorization"] = f"Bearer {BOT_TOKEN}"
        return session


class StaticCredentials(ServiceClientCredentialsFactory):
    """The bot's own token for the connector, without asking Azure AD for one."""

    def __init__(self, app_id: str) -> None:
        self.app_id = app_id

    async def is_valid_app_id(self, app_id: str) -> bool:
        return app_id == self.app_id

    async def is_authentication_disabled(self) -> bool:
        return not self.app_id

    async def create_credentials(self, *_args: Any, **_kwargs: Any) -> Authentication:
        return _BotToken()
