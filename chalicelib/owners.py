"""Who can own todos: a subject is a DynamoDB partition key and a log pseudonym's input."""

# A partition key must stay well under DynamoDB's 2 KB.
MAX_SUBJECT_LENGTH = 256


def usable_subject(subject: str) -> bool:
    """Whether subject can name an owner: 1 to 256 characters of valid Unicode.

    JSON can spell lone surrogates ("\\ud800") that no UTF-8 store (DynamoDB keys, the
    logs' pseudonym) accepts: such a subject names nobody.
    """
    if not 0 < len(subject) <= MAX_SUBJECT_LENGTH:
        return False
    if subject.isascii():  # the common case, answered without encoding
        return True
    try:
        subject.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
