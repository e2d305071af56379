"""Download, checksum and extraction helpers for the datasets (standard library only)."""

from __future__ import annotations

import bz2
import gzip
import hashlib
import lzma
import os
import shutil
import tarfile
import urllib.error
import urllib.request
import zipfile

__all__ = ["calculate_md5", "check_md5", "check_integrity", "download_url", "extract_archive",
           "download_and_extract_archive", "download_from_mirrors", "ChecksumError"]

USER_AGENT = "ember"
_CHUNK = 1 << 20


class ChecksumError(RuntimeError):
    """A downloaded file does not have the expected checksum."""


def calculate_md5(fpath: str | os.PathLike, chunk_size: int = _CHUNK) -> str:
    """The hex MD5 digest of a file (read in chunks)."""
    md5 = hashlib.md5(usedforsecurity=False)
    with open(fpath, "rb") as f:
        while chunk := f.read(chunk_size):
            md5.update(chunk)
    return md5.hexdigest()


def check_md5(fpath: str | os.PathLike, md5: str, chunk_size: int = _CHUNK) -> bool:
    return calculate_md5(fpath, chunk_size) == md5


def check_integrity(fpath: str | os.PathLike, md5: str | None = None) -> bool:
    """Whether the file exists and, when md5 is given, has that checksum."""
    if not os.path.isfile(fpath):
        return False
    return md5 is None or check_md5(fpath, md5)


def _fetch(url: str, fpath: str, timeout: float) -> None:
    # written beside the target and renamed when complete, so an interrupted download leaves no partial file
    # under the final name
    partial = fpath + ".part"
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response, open(partial, "wb") as out:
            shutil.copyfileobj(response, out, _CHUNK)
        os.replace(partial, fpath)
    finally:
        if os.path.exists(partial):
            os.remove(partial)


def download_url(url: str, root: str | os.PathLike, filename: str | None = None, md5: str | None = None,
                 timeout: float = 30.0) -> str:
    """Download `url` into `root` (as `filename`, default the URL's basename) and verify its MD5.

    An existing file with the right checksum is not fetched again. Raises `urllib.error.URLError` (an
    OSError) when the server cannot be reached, and `ChecksumError` when the file arrives with another
    checksum (the bad file is removed). Returns the file's path.
    """
    root = os.path.expanduser(os.fspath(root))
    fpath = os.path.join(root, filename or os.path.basename(url))
    os.makedirs(root, exist_ok=True)
    if check_integrity(fpath, md5):
        return fpath
    print(f"Downloading {url} to {fpath}")
    _fetch(url, fpath, timeout)
    if md5 is not None:
        actual = calculate_md5(fpath)
        if actual != md5:
            os.remove(fpath)
            raise ChecksumError(f"Checksum mismatch for {url}: expected MD5 {md5}, got {actual}. The file may "
                                "be corrupted or the mirror may serve another version.")
    return fpath


_TAR_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tar.xz", ".txz")
_COMPRESSED = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}


def extract_archive(from_path: str | os.PathLike, to_path: str | os.PathLike | None = None,
                    remove_finished: bool = False) -> str:
    """Extract a .tar(.gz/.bz2/.xz), .zip, or a single compressed file (.gz/.bz2/.xz) into `to_path`.

    Returns the path extracted to: the folder for archives, the decompressed file for single files.
    """
    from_path = os.fspath(from_path)
    to_path = os.path.dirname(from_path) if to_path is None else os.fspath(to_path)
    name = os.path.basename(from_path)
    lower = name.lower()
    if lower.endswith(_TAR_SUFFIXES):
        with tarfile.open(from_path) as tar:
            # the "data" filter refuses absolute paths, links out of the folder and device files
            if hasattr(tarfile, "data_filter"):
                tar.extractall(to_path, filter="data")
            else:
                _check_tar_members(tar, to_path)
                tar.extractall(to_path)
        result = to_path
    elif lower.endswith(".zip"):
        with zipfile.ZipFile(from_path) as zf:
            zf.extractall(to_path)
        result = to_path
    else:
        suffix = os.path.splitext(lower)[1]
        if suffix not in _COMPRESSED:
            raise RuntimeError(f"Couldn't detect the archive type of {name}: expected one of .tar, .tar.gz, .tgz, "
                               ".tar.bz2, .tar.xz, .zip, .gz, .bz2, .xz")
        result = os.path.join(to_path, os.path.splitext(name)[0])
        with _COMPRESSED[suffix](from_path, "rb") as src, open(result, "wb") as dst:
            shutil.copyfileobj(src, dst, _CHUNK)
    if remove_finished:
        os.remove(from_path)
    return result


def _check_tar_members(tar: tarfile.TarFile, to_path: str) -> None:
    base = os.path.realpath(to_path)
    for member in tar.getmembers():
        target = os.path.realpath(os.path.join(to_path, member.name))
        if os.path.commonpath([base, target]) != base or member.issym() or member.islnk() or member.isdev():
            raise RuntimeError(f"Refusing to extract {member.name!r}: it would land outside {to_path}")


def download_and_extract_archive(url: str, download_root: str | os.PathLike,
                                 extract_root: str | os.PathLike | None = None, filename: str | None = None,
                                 md5: str | None = None, remove_finished: bool = False) -> str:
    """`download_url` then `extract_archive` (into `extract_root`, default `download_root`)."""
    fpath = download_url(url, download_root, filename, md5)
    return extract_archive(fpath, download_root if extract_root is None else extract_root, remove_finished)


def download_from_mirrors(mirrors: list[str], filename: str, root: str | os.PathLike, md5: str | None) -> None:
    """Download and extract `filename` from the first mirror that serves it with the right checksum.

    Raises RuntimeError listing what each mirror answered when none did (for example when offline).
    """
    failures = []
    for mirror in mirrors:
        url = f"{mirror}{filename}"
        try:
            download_and_extract_archive(url, download_root=root, filename=filename, md5=md5)
            return
        except (urllib.error.URLError, OSError, ChecksumError) as e:
            reason = e.reason if isinstance(e, urllib.error.URLError) and not isinstance(e, urllib.error.HTTPError) \
                else e
            failures.append(f"  {url}: {reason}")
    raise RuntimeError(f"Error downloading {filename}: no mirror could provide it (are you offline?). "
                       "Tried:\n" + "\n".join(failures))
