package pages

import (
	"html/template"

	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/catalog/internal/service"
)

// conditionNames are the book trade's names of the grades.
var conditionNames = map[catalog.Condition]string{
	catalog.ConditionNew:      "New",
	catalog.ConditionAsNew:    "As New",
	catalog.ConditionFine:     "Fine",
	catalog.ConditionVeryGood: "Very Good",
	catalog.ConditionGood:     "Good",
	catalog.ConditionFair:     "Fair",
	catalog.ConditionPoor:     "Poor",
}

// conditionOption is one choice of a condition select.
type conditionOption struct {
	Value catalog.Condition
	Label string
}

// conditionOptions are the grades best first, as the forms offer them.
func conditionOptions() []conditionOption {
	out := make([]conditionOption, len(service.Grades))
	for i, g := range service.Grades {
		out[i] = conditionOption{Value: g, Label: conditionLabel(g)}
	}
	return out
}

// conditionLabel is the trade name of c.
func conditionLabel(c catalog.Condition) string {
	if name, ok := conditionNames[c]; ok {
		return name
	}
	return string(c)
}

// stateLabel describes a listing's state to its seller.
func stateLabel(status catalog.Status, hiddenReason string, soldOut bool) string {
	switch {
	case hiddenReason != "":
		return "Hidden by an administrator"
	case soldOut:
		return "Sold out"
	}
	switch status {
	case catalog.StatusDraft:
		return "Draft"
	case catalog.StatusActive:
		return "On sale"
	case catalog.StatusPaused:
		return "Paused"
	default:
		return "Archived"
	}
}

// labels are the template helpers of the catalog's pages.
var labels = template.FuncMap{"conditionLabel": conditionLabel, "stateLabel": stateLabel}
