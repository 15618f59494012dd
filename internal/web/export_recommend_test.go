package web

// ReasonText words a recommendation's reason, for the tests of package
// web_test.
var ReasonText = reasonText
