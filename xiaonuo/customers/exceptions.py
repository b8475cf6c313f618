from enum import StrEnum


class CustomersError(StrEnum):
    CUSTOMER_NOT_FOUND = "customer_not_found"
    CUSTOMER_MERGED = (
        "customer_merged"  # the id was merged into another customer (see ``merged_into``)
    )
    IDENTITY_TAKEN = "identity_taken"  # the identity belongs to another customer of the workspace
    IDENTITY_INVALID = "identity_invalid"  # e.g. a phone number that is not one
    ATTRIBUTE_UNKNOWN = "attribute_unknown"  # no definition declared for this key
    ATTRIBUTE_INVALID = "attribute_invalid"  # the value does not fit the declared type
    CONSENT_UNKNOWN = "consent_unknown"
    MERGE_SAME = "merge_same"  # a customer cannot be merged into itself
