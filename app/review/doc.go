// Package review holds customer reviews of completed orders, merchant replies, reports and moderation, and keeps the ratings of items, staff and merchants in step.
package review
