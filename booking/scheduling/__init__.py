"""When consultants can be booked: their hours (`hours`), the free slots computed
from them (`slots`), and calendar files and feeds (`calendar_files`)."""
