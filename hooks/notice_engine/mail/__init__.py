"""Change notices: email each recipient what changed in their edition, once and only once.

A one-way pipeline, one module per stage:

    settings       extra.notice.mail of mkdocs.yml (nothing secret)
    addresses      an address checked once, in the forms SMTP needs (punycode, SMTPUTF8)
    recipients     the CSV -> checked rows, each mapped to an edition
    plan           who gets which versions, from the history and the send log
    compose        a plan entry -> an email message (text + HTML, in the reader's language)
    redline_email  the redline as an email shows it (inline-styled HTML, marked-up text)
    transport      the outbox folder, or an SMTP server (NOTICE_SMTP_URL); plan.Delivery
                   is one message to deliver, transport is how it goes
    sendlog        SQLite: each message claimed before it is sent, its outcome after
    notify         one run: plan, warn, send or write, report (with `progress`)
    cli            `notice notify`
"""
