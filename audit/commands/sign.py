"""`audit keygen`, `audit sign FILE`, `audit verify FILE`: Ed25519 signatures over scorecards."""

from __future__ import annotations

from pathlib import Path

import click

from audit import signing

#: the public key `audit report --sign` publishes beside scorecards.json
PUBLISHED_KEY = "signing-key.pub"


@click.command()
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), default=signing.DEFAULT_KEY,
              show_default=True, help="Private key file (mode 0600); the public key goes to KEY.pub.")
@click.option("--force", is_flag=True, help="Replace an existing key.")
def keygen(out: Path, force: bool):
    """Create an Ed25519 signing key pair; prints only the public key fingerprint."""
    pair = signing.generate(out, force=force)
    click.echo(f"audit: private key: {pair.private_path} (keep it secret; never commit it)", err=True)
    click.echo(f"audit: public key:  {pair.public_path}", err=True)
    click.echo(pair.fingerprint)


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--key", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help=f"Private key file (default: ${signing.KEY_ENV} if set, else {signing.DEFAULT_KEY}).")
@click.option("--signature", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the signature (default: FILE.sig).")
def sign(file: Path, key: Path | None, signature: Path | None):
    """Write a detached signature FILE.sig."""
    private = signing.load_private_key(key)
    sig_path = signing.sign_file(file, private, signature)
    click.echo(f"audit: signed {file} -> {sig_path} ({signing.fingerprint(private.public_key())})", err=True)
    click.echo(str(sig_path))


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--signature", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Detached signature (default: FILE.sig).")
@click.option("--public-key", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help=f"Public key (PEM). Default: {PUBLISHED_KEY} beside FILE (as `audit report --sign` publishes "
                   f"it), else {signing.public_path_for(signing.DEFAULT_KEY)}.")
@click.option("--fingerprint", "pinned", default=None, envvar="AUDIT_SIGNING_FINGERPRINT", metavar="SHA256:...",
              help="The key's fingerprint as pinned somewhere you trust (a README, a repository variable; also "
                   "$AUDIT_SIGNING_FINGERPRINT): the key must match it.")
def verify(file: Path, signature: Path | None, public_key: Path | None, pinned: str | None):
    """Check FILE against its signature: exit 0 on a match, 1 on any change or a key that is not the
    pinned one, 2 on unusable keys."""
    from audit.errors import GateFailed, InputError

    beside = public_key is None and (file.parent / PUBLISHED_KEY).is_file()
    key_path = public_key or (file.parent / PUBLISHED_KEY if beside else signing.public_path_for(signing.DEFAULT_KEY))
    if pinned is not None and not pinned.strip().startswith("SHA256:"):
        raise InputError(f"--fingerprint {pinned!r}: expected SHA256:... (as `audit keygen` prints it)")
    pub = signing.load_public_key(key_path)
    found = signing.fingerprint(pub)
    if pinned is not None and _norm(found) != _norm(pinned):
        raise GateFailed(f"{key_path}: key {found} is not the pinned key {pinned.strip()}: "
                         "the file may be signed by someone else")
    signing.verify_file(file, pub, signature)
    if pinned is not None:
        click.echo(f"audit: OK: {file} is signed by the pinned key {found}", err=True)
        return
    click.echo(f"audit: OK: {file} matches its signature and the key {key_path} ({found})", err=True)
    if beside:
        click.echo(f"audit: note: the key was taken from {PUBLISHED_KEY} beside the file: this proves only that the "
                   "file, signature and key are consistent with each other, not who signed them (whoever could "
                   "change the file could replace all three). Compare the fingerprint with one you trust, or pin "
                   "it: --fingerprint " + found, err=True)


def _norm(fp: str) -> str:
    return fp.strip().rstrip("=")
