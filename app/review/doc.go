// Package review holds customer reviews of completed orders, merchant
// replies, reports and moderation, and keeps the ratings of items, staff and
// merchants in step.
//
// Ratings never drift from reviews: creating a review, and every moderation
// decision that changes whether its stars count, adds or removes the stars
// on the item, the staff member (when the order had one) and the merchant in
// the same city transaction as the review row. A review's "counted" flag
// says whether its stars are in those ratings, so for every item, staff
// member and merchant: rating_sum = SUM(overall) and rating_count = COUNT(*)
// of its reviews with counted = 1.
//
// Moderation: hiding takes a review off public lists; whether its stars stay
// depends on why. Hiding for the text (abusive, privacy, advertising,
// irrelevant, other) keeps the stars by default: the customer did get the
// service and their score is genuine, only the words may not be shown. The
// moderator may still remove them (remove_rating). Hiding as fraudulent (a
// fake, paid or self review) always removes the stars. Unhiding puts the
// review back on the lists and its stars back in the ratings. Every
// decision closes the review's open reports and is audited.
//
// Imports app, app/account (display names), app/booking (the order model),
// app/outbox, app/audit, tenants and gorm. Booking, catalog, staff and
// merchant services are reached through the small interfaces below, wired
// in app/platform/wire_review.go. Booking calls ScheduleReminder when it
// completes an order.
package review
