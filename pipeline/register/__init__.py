"""Read the register: its workbook, sheets and rows, checked."""
