package web

import (
	"net/http"

	"tsunagari"
)

// The HR report API. Like the report pages, it reads through s.Reports
// only.

// apiOrgReport answers getOrgReport.
func (s *Server) apiOrgReport(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	rep, err := s.Reports.OrgReport(r.Context(), a, orgReportQuery(r))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rep)
}

// apiProgrammeEffect answers getProgrammeEffect.
func (s *Server) apiProgrammeEffect(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	doc, err := s.Reports.ProgrammeEffect(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, doc)
}

// apiReportCSV answers exportReportCSV: the report as a CSV file for
// spreadsheets, UTF-8 with a byte order mark.
func (s *Server) apiReportCSV(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	q := orgReportQuery(r)
	body, err := s.Reports.CSV(r.Context(), a, q, s.printer(r, a))
	if err != nil {
		return err
	}
	name := "tsunagari-report"
	if q.Period != "" {
		name += "-" + q.Period
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.csv"`)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
	return nil
}
