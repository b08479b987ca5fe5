"""Domain errors. The CLI turns each into one line on stderr and exit status 1."""

from __future__ import annotations


class EvidenceError(Exception):
    """A failure a user can act on; its message is the one line we print."""


class InputFileError(EvidenceError):
    """A file that cannot be imported: not PubMed XML, truncated, malformed."""

    def __init__(self, path: str, reason: str, *, line: int | None = None,
                 pmid: str | None = None) -> None:
        reason = " ".join(reason.split())  # parser messages may span lines; ours is one
        self.path, self.reason, self.line, self.pmid = path, reason, line, pmid
        where = path + (f", line {line}" if line else "") + (f", PMID {pmid}" if pmid else "")
        super().__init__(f"{where}: {reason}")

    @classmethod
    def from_message(cls, message: str) -> InputFileError:
        """Rebuild an error whose text was formatted elsewhere (a worker process)."""
        path, _, reason = message.partition(": ")
        error = cls.__new__(cls)
        error.path, error.reason, error.line, error.pmid = path, reason, None, None
        Exception.__init__(error, message)
        return error


class NetworkError(EvidenceError):
    """E-utilities could not be reached or kept failing after every retry."""


class UnknownStudyError(EvidenceError):
    """A PMID asked for by name is not in the database."""
