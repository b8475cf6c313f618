from enum import StrEnum


class AutoReplyError(StrEnum):
    ENTRY_NOT_FOUND = "faq_entry_not_found"  # unknown id or another workspace's
    RULE_NOT_FOUND = "keyword_rule_not_found"
    GROUP_NOT_FOUND = "unanswered_group_not_found"
    SYNONYM_GROUP_NOT_FOUND = "synonym_group_not_found"
    QUESTION_INVALID = "faq_question_invalid"  # empty or too long
    QUESTION_TAKEN = "faq_question_taken"  # another entry has this standard question
    ANSWER_INVALID = "answer_invalid"  # the answer's kind lacks its fields, or a field too long
    VALIDITY_INVALID = "validity_invalid"  # valid_until before valid_from
    TAG_INVALID = "faq_tag_invalid"
    PATTERN_INVALID = "pattern_invalid"  # empty, too long, or not a regular expression
    PATTERN_UNSAFE = "pattern_unsafe"  # a regular expression that may backtrack for ever
    MATCH_TYPE_INVALID = "match_type_invalid"
    WORD_INVALID = "dictionary_word_invalid"
    SYNONYMS_INVALID = "synonyms_invalid"  # fewer than two words, or a word too long
    SETTINGS_INVALID = "autoreply_settings_invalid"  # threshold out of 0..1, unknown channel kind
    IMPORT_INVALID = "faq_import_invalid"  # a bad file: details name the line and the field
    GROUP_DECIDED = "unanswered_group_decided"  # already turned into an entry or dismissed
    QUERY_INVALID = "autoreply_query_invalid"  # the test box's question is empty or too long
