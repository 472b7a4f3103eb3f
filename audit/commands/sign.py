"""`audit keygen`, `audit sign FILE`, `audit verify FILE`: Ed25519 signatures over scorecards."""

from __future__ import annotations

from pathlib import Path

import click

from audit import signing


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
@click.option("--public-key", type=click.Path(dir_okay=False, path_type=Path),
              default=signing.public_path_for(signing.DEFAULT_KEY), show_default=True,
              help="Public key (PEM).")
def verify(file: Path, signature: Path | None, public_key: Path):
    """Check FILE against its signature: exit 0 on a match, 1 on any change, 2 on unusable keys."""
    pub = signing.load_public_key(public_key)
    signing.verify_file(file, pub, signature)
    click.echo(f"audit: OK: {file} is signed by {signing.fingerprint(pub)}", err=True)
