// Package privacy is the chat's part of a person's data export and
// erasure: their conversations and the messages in them, and what they
// wrote, which an erasure removes.
package privacy

import (
	"time"

	"github.com/atriumhq/atrium/plugins/sdk"
)

// message is one message as the export gives it back.
type message struct {
	Conversation int64      `bun:"conversation_id" json:"conversation"`
	Mine         bool       `bun:"mine" json:"written_by_you"`
	Body         string     `bun:"body" json:"text"`
	CreatedAt    time.Time  `bun:"created_at" json:"sent_at"`
	EditedAt     *time.Time `bun:"edited_at" json:"edited_at,omitempty"`
}

// Export gives the person's conversations with every message in them that
// was not deleted (the other person's too: the conversation is theirs as
// well), and who they were with.
func Export(r *sdk.Request, person int64) ([]sdk.ExportFile, error) {
	var rows []message
	err := r.DB().NewRaw(`SELECT m.conversation_id, m.author_id = ? AS mine, m.body, m.created_at, m.edited_at
		FROM chat_messages m JOIN chat_conversations c ON c.id = m.conversation_id AND c.organisation_id = m.organisation_id
		WHERE m.organisation_id = ? AND (c.low_id = ? OR c.high_id = ?) AND m.deleted_at IS NULL
		ORDER BY m.conversation_id, m.id`, person, r.OrganisationID(), person, person).Scan(r.Context, &rows)
	if err != nil {
		return nil, err
	}
	var with []struct {
		Conversation int64 `bun:"id" json:"conversation"`
		Other        int64 `bun:"other" json:"with_person"`
	}
	err = r.DB().NewRaw(`SELECT id, CASE WHEN low_id = ? THEN high_id ELSE low_id END AS other
		FROM chat_conversations WHERE organisation_id = ? AND (low_id = ? OR high_id = ?) ORDER BY id`,
		person, r.OrganisationID(), person, person).Scan(r.Context, &with)
	if err != nil {
		return nil, err
	}
	conversations, err := sdk.JSONFile("conversations.json", with)
	if err != nil {
		return nil, err
	}
	messages, err := sdk.JSONFile("messages.json", rows)
	return []sdk.ExportFile{conversations, messages}, err
}

// Erase removes what the person wrote and their read marks; the other
// person's messages stay, in a conversation with an erased account. The
// retention does not keep chat messages: they are no care records.
func Erase(r *sdk.Request, person int64, _ time.Duration) error {
	org := r.OrganisationID()
	for _, q := range []string{
		"DELETE FROM chat_messages WHERE organisation_id = ? AND author_id = ?",
		"DELETE FROM chat_reads WHERE organisation_id = ? AND user_id = ?",
	} {
		if _, err := r.DB().ExecContext(r.Context, q, org, person); err != nil {
			return err
		}
	}
	return nil
}
