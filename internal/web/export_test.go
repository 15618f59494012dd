package web

// PersonalFields are the fields of a person's copy that have labels.
var PersonalFields = personalFields
