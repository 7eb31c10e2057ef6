"""The portal: server-rendered pages for members and employers' supervisors, phone-first."""
