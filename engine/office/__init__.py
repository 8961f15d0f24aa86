"""What a mutual-aid office does beyond adjudicating: claims publicity (理赔公示), decision
notices for members (理赔决定通知书), and payout, fee and loss-ratio reports."""
